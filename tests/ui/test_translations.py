"""The shipped catalogue is complete and its compiled form is current."""

import xml.etree.ElementTree as ET

from PySide6.QtCore import QCoreApplication, QTranslator

from ui import i18n, text


def _ts_files():
    files = sorted(i18n.translations_dir().glob("*.ts"))
    assert files, "no .ts catalogue shipped"
    return files


def test_no_unfinished_or_empty_translations():
    for ts in _ts_files():
        for message in ET.parse(ts).iter("message"):
            source = message.find("source").text
            translation = message.find("translation")
            assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), (ts.name, source)
            forms = [f.text for f in translation.findall("numerusform")] or [translation.text]
            assert all(f and f.strip() for f in forms), (ts.name, source)


def test_qm_is_built_and_not_older_than_its_ts():
    i18n.build()
    for ts in _ts_files():
        qm = i18n.qm_path(ts)
        assert qm.exists(), qm
        # What was built says what its source says now (an old build would miss or keep
        # words), read back through Qt's own loader.
        translator = QTranslator()
        assert translator.load(str(qm)), qm
        messages = 0
        for context in ET.parse(ts).iter("context"):
            name = context.find("name").text
            for message in context.iter("message"):
                source = message.find("source").text
                translation = message.find("translation")
                forms = [f.text for f in translation.findall("numerusform")]
                if not forms:
                    assert translator.translate(name, source) == translation.text, (qm.name, name, source)
                else:
                    # One form (Chinese) serves every count; English has one and many.
                    counts = (2,) if len(forms) == 1 else (1, 2)
                    got = [translator.translate(name, source, None, n) for n in counts]
                    assert got == forms, (qm.name, name, source)
                messages += 1
        assert messages, ts.name
        if ts.stem.endswith("zh_CN"):
            assert translator.translate("Status", "Waiting for citizen") == "待补充材料"


def test_chinese_is_installed_and_english_is_the_source(qapp):
    translations = i18n.Translations()
    try:
        assert translations.install("zh_CN")
        assert text.label("Status", "waiting_citizen") == "待补充材料"
        assert QCoreApplication.translate("Text", "%n working day(s)", None, 2) == "2 个工作日"
        translations.install("en")
        assert text.label("Status", "waiting_citizen") == "Waiting for citizen"
    finally:
        translations.install("en")
