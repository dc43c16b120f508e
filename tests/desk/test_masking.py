from hypothesis import given, settings
from hypothesis import strategies as st

from desk.masking import mask_citizen, mask_id, mask_name, mask_phone


def test_masks_follow_the_published_forms():
    assert mask_name("张伟明") == "张**"
    assert mask_name("欧阳建华") == "欧***"
    assert mask_name("李") == "*"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id("140105199001011234") == "14010519********34"
    assert mask_name("") == mask_phone("") == mask_id("") == ""


def test_mask_citizen_masks_every_field_but_the_revealed_ones():
    citizen = {"name": "张伟明", "phone": "13912345678", "id_number": "140105199001011234"}
    assert mask_citizen(citizen) == {"name": "张**", "phone": "139****5678",
                                     "id_number": "14010519********34"}
    assert mask_citizen(citizen, revealed={"phone"})["phone"] == "13912345678"
    assert citizen["name"] == "张伟明"  # the input is left alone


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() == s and s))
def test_masks_keep_length_and_hide_the_middle(value):
    for masker in (mask_name, mask_phone, mask_id):
        masked = masker(value)
        assert len(masked) == len(value)
        if len(value) >= 3:
            # Something is always hidden: a value that already began with the mask
            # character (hypothesis found "*0000") may come out unchanged, and that is fine.
            assert "*" in masked


def test_mask_text_masks_numbers_and_names_written_into_text():
    from desk.masking import mask_text

    text = "我是张伟明，电话13912345678，身份证41082319900101999X，旧证410823900101786，座机0351-4567890"
    out = mask_text(text, ["张伟明"])
    assert out == ("我是张**，电话139****5678，身份证41082319********9X，旧证41082390*****86，"
                   "座机0351-4567890")
    # Digits that are part of longer numbers (a ticket, an order) are not phone numbers.
    assert mask_text("罚单号 2139123456789 订单139123456780") == "罚单号 2139123456789 订单139123456780"
    # A one-character name would hide too much ordinary text.
    assert mask_text("王先生来电", ["王"]) == "王先生来电"
    assert mask_text("", ["张伟明"]) == ""
