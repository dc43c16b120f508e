"""The case sheet's content without Qt: masking, the accountability line, the clocks
explained (the case pane's one explanation), the timeline in time order."""

from datetime import UTC, date, datetime

from test_store_factory import CITIZEN_ID, CITIZEN_NAME, CITIZEN_PHONE, make_case, reference

from desk.case_sheet import build_sheet, build_sheets
from desk.clocks import explain_shown_clock
from desk.worktime import Calendar

# Received Friday 6 March 2026, 10:00 Shanghai; Monday 9 March listed as a holiday.
RECEIVED = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
DAYS = {date(2026, 3, 9): "holiday"}


def case_dict(**kw):
    entries = [
        {"id": "e3", "type": "note", "author_id": "o1", "author_name": "李明", "unit_id": "s1",
         "body": f"已回电 {CITIZEN_PHONE}，{CITIZEN_NAME}表示感谢",
         "performed_at": "2026-03-06T05:00:00Z", "received_at": "2026-03-06T05:00:01Z"},
        {"id": "e1", "type": "claim", "author_id": "o2", "author_name": "王强", "unit_id": "s1",
         "performed_at": "2026-03-06T02:30:00Z", "received_at": "2026-03-06T02:30:02Z"},
        {"id": "e2", "type": "accept", "author_id": "o1", "author_name": "李明", "unit_id": "s1",
         "performed_at": "2026-03-06T03:00:00Z", "received_at": "2026-03-06T03:00:05Z"},
        {"id": "e0", "type": "citizen_message", "body": f"身份证{CITIZEN_ID}", "unit_id": None,
         "performed_at": "2026-03-06T02:10:00Z", "received_at": "2026-03-06T02:10:00Z"},
    ]
    case = make_case(1, status="in_progress", assignee_id="o1", received_at=RECEIVED,
                     body=f"我叫{CITIZEN_NAME}，电话{CITIZEN_PHONE}", entries=entries, **kw)
    return case.model_dump(mode="json")


def test_masked_unless_revealed():
    ref = reference(days=DAYS)
    sheet = build_sheet(case_dict(), ref, None)
    assert sheet.masked
    assert CITIZEN_PHONE not in sheet.citizen["phone"] and CITIZEN_ID not in sheet.citizen["id_number"]
    assert sheet.citizen["name"] != CITIZEN_NAME
    every_text = [sheet.body, sheet.title, *(e.body for e in sheet.entries)]
    assert not any(CITIZEN_PHONE in t or CITIZEN_ID in t or CITIZEN_NAME in t for t in every_text)
    # The phone alone revealed shows the phone field, nothing else.
    phone_only = build_sheet(case_dict(), ref, None, revealed={"phone"})
    assert phone_only.citizen["phone"] == CITIZEN_PHONE and phone_only.masked
    assert CITIZEN_PHONE not in phone_only.body
    full = build_sheet(case_dict(), ref, None, revealed={"name", "phone", "id_number"}, text_revealed=True)
    assert not full.masked
    assert full.citizen == {"name": CITIZEN_NAME, "phone": CITIZEN_PHONE, "id_number": CITIZEN_ID}
    assert CITIZEN_PHONE in full.body and CITIZEN_ID in full.entries[0].body


def test_accountability_from_the_timelines_accept_and_claim():
    sheet = build_sheet(case_dict(), reference(days=DAYS), None)
    line = sheet.accountability
    assert (line.accepted_by, line.accepted_at, line.unit) == ("李明", "2026-03-06T03:00:05Z", "城关派出所")
    assert (line.claimed_by, line.claimed_at) == ("王强", "2026-03-06T02:30:02Z")
    fresh = make_case(2, received_at=RECEIVED).model_dump(mode="json")
    none_yet = build_sheet(fresh, reference(), None).accountability
    assert none_yet.accepted_by is None and none_yet.accepted_at is None
    assert none_yet.unit == "城关派出所" and none_yet.received_at == "2026-03-06T02:00:00Z"


def test_accountability_after_a_transfer_is_the_new_units():
    case = case_dict()
    case["entries"] = [
        {"id": "a1", "type": "accept", "author_id": "o3", "author_name": "孙杰", "unit_id": "s2",
         "performed_at": "2026-03-06T02:20:00Z", "received_at": "2026-03-06T02:20:00Z"},
        {"id": "a2", "type": "transfer", "author_id": "o3", "author_name": "孙杰", "unit_id": "s2",
         "data": {"to_unit_id": "s1"}, "performed_at": "2026-03-06T02:25:00Z",
         "received_at": "2026-03-06T02:25:00Z"},
        *case["entries"],
    ]
    line = build_sheet(case, reference(), None).accountability
    assert (line.accepted_by, line.unit, line.claimed_by) == ("李明", "城关派出所", "王强")


def test_each_clock_explained_as_the_case_pane_explains_it():
    ref = reference(days=DAYS)
    cal = Calendar.from_wire(ref.calendar)
    case = case_dict(due_at=datetime(2026, 3, 11, 2, 0, tzinfo=UTC))
    sheet = build_sheet(case, ref, cal)
    assert [c.clock for c in sheet.clocks] == ["reply"]
    steps = sheet.clocks[0].steps
    assert steps == explain_shown_clock(case, case["clocks"][0], cal, ref.policy)
    kinds = [s["step"] for s in steps]
    assert kinds[0] == "start" and kinds[-1] == "due"
    skipped = [s for s in steps if s["step"] == "skip"]
    assert [(s["first"], s["last"]) for s in skipped] == [("2026-03-07", "2026-03-09")], \
        "the weekend and the Monday holiday are not counted"
    assert build_sheet(case, ref, None).clocks[0].steps == [], "no calendar: nothing to explain"


def test_timeline_in_the_order_things_happened_and_names_resolved():
    sheet = build_sheet(case_dict(), reference(days=DAYS), None)
    assert [e.type for e in sheet.entries] == ["citizen_message", "claim", "accept", "note"]
    assert sheet.entries[0].author == ""
    assert sheet.entries[2].unit == "城关派出所"
    assert (sheet.number, sheet.kind, sheet.kind_name, sheet.assignee) == (
        "SX20260302000001", "consultation", "业务咨询", "李明")


def test_several_sheets_each_masked_on_its_own():
    first = case_dict()
    second = make_case(2, received_at=RECEIVED).model_dump(mode="json")
    sheets = build_sheets([first, second], reference(), None,
                          revealed={"case-1": frozenset({"name", "phone", "id_number"})},
                          text_revealed={"case-1"})
    assert [s.masked for s in sheets] == [False, True]
