"""The supervisor view in the real window against the real demo server: what a chief
sees, urging many cases at once, exports that open; and what an officer does not get."""

from __future__ import annotations

import csv
import subprocess

from PySide6.QtGui import QImage

from desk import supervision
from desk.store import CaseFilter
from tests.ui.conftest import PASSWORD
from ui.supervisor.charts import Bar, BarChart
from ui.supervisor.hook import SUPERVISION


def open_window(qtbot, desk_app, server, username):
    desk_app.login_directly(server.url, username, PASSWORD)
    qtbot.waitUntil(lambda: desk_app.window is not None, timeout=20000)
    window = desk_app.window
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.online_state == "idle" and not window._refresh_running
                    and window.store.count_cases(CaseFilter()) > 0, timeout=30000)
    return window


def show_supervision(qtbot, window):
    view = window.supervision.view
    item = window.queue_items[SUPERVISION]
    with qtbot.waitSignal(view.sig_refreshed, timeout=20000):
        if window.queue_list.currentItem() is item:
            # A chief's window opens on this view; read it again after the first sync.
            view.refresh()
        else:
            window.queue_list.setCurrentItem(item)
    assert window.middle.currentWidget() is view
    return view


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_chief_reviews_urges_and_exports(qtbot, desk_app, server, tmp_path):
    window = open_window(qtbot, desk_app, server, "chief1")
    view = show_supervision(qtbot, window)
    board = view.board
    overdue = [i for i in board.at_risk if i.level == supervision.OVERDUE]
    assert overdue, "the demo station has overdue cases"
    # Grouped by officer: one top-level row per holder, the cases beneath.
    groups = supervision.group_by_officer(board.at_risk)
    assert view.tree.topLevelItemCount() == len(groups)
    assert sum(view.tree.topLevelItem(i).childCount()
               for i in range(view.tree.topLevelItemCount())) == len(board.at_risk)
    # Workload lists every officer of the station.
    names = [r[0] for r in view.workload_table.rows.texts()]
    assert {"李明", "王芳"} <= set(names)
    assert view.compliance_table.rows.texts()[0][2] == str(board.compliance.station.total)
    assert len(view.weekly_chart.chart.bars) == len(board.compliance.weekly)
    assert view.ratings_table.rows.rowCount() >= 1

    # The explanation of the case under the cursor.
    first = view.tree.topLevelItem(0).child(0)
    view.tree.setCurrentItem(first)
    qtbot.waitUntil(lambda: view.explanation.text() != "", timeout=10000)

    # CSV: BOM, heading, masked personal data.
    csv_path = view.export_to("overdue", "csv", tmp_path / "overdue.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][1] == "清源派出所" and rows[1][1] and rows[2][1]
    table = rows[6:]
    assert len(table) == len(board.at_risk)
    by_number = {r[0]: r for r in table}
    named = [i for i in board.at_risk if i.citizen_name]
    assert named, "the demo seed's citizens have names"
    sample = named[0]
    assert sample.citizen_name not in csv_path.read_text(encoding="utf-8-sig")
    assert by_number[sample.number][8].startswith(sample.citizen_name[0])
    assert by_number[sample.number][8] != sample.citizen_name

    # PDF of the compliance report: it has pages and the expected text.
    pdf = view.export_to("compliance", "pdf", tmp_path / "compliance.pdf")
    text = pdf_text(pdf)
    assert "清源派出所" in text and "Compliance" in text
    # The station's row, cell by cell in column order (the clocks counted in its place,
    # not merely somewhere on the page).
    station_row = view.compliance_rows(board.compliance)[0]
    assert station_row[2] == str(board.compliance.station.total)
    cells = [cell for cell in station_row if cell]  # the station's row has no name cell
    assert cells[:2] == ["Station", str(board.compliance.station.total)]
    assert cells in [line.split() for line in text.splitlines()], text
    overdue_pdf = pdf_text(view.export_to("overdue", "pdf", tmp_path / "overdue.pdf"))
    assert overdue[0].number in overdue_pdf

    # Showing personal data records a reveal per case and field.
    view.reveal_check.setChecked(True)
    view.export_to("overdue", "csv", tmp_path / "shown.csv")
    # (Sent or still queued: the local view holds the reveal entry either way.)
    me = window.actor.id
    for item in board.at_risk:
        entries = window.store.case(item.case_id)["entries"]
        fields = {(e.get("data") or {}).get("field") for e in entries
                  if e["type"] == "reveal" and e.get("author_id") == me}
        assert {"name", "phone"} <= fields, item.number
    assert sample.citizen_name in (tmp_path / "shown.csv").read_text(encoding="utf-8-sig")

    # Urge two overdue cases at once; the server records both.
    targets = [i.case_id for i in overdue[:2]]
    view.tree.clearSelection()
    for i in range(view.tree.topLevelItemCount()):
        top = view.tree.topLevelItem(i)
        for j in range(top.childCount()):
            if top.child(j).data(0, 0x0101) in targets:
                top.child(j).setSelected(True)
    assert sorted(view.selected_case_ids()) == sorted(targets)

    def fill(dialog):
        dialog.text.setPlainText("请今日内办结并回复群众")
        return True

    view.exec_dialog = fill
    view._ask_urge()
    qtbot.waitUntil(lambda: window.store.outbox_count() == 0 and all(
        any(e["type"] == "urge" and e["body"] == "请今日内办结并回复群众"
            for e in (window.store.synced_case(c) or {}).get("entries", [])) for c in targets),
        timeout=30000)


def test_officer_has_no_supervision_but_sees_commitments(qtbot, desk_app, server):
    window = open_window(qtbot, desk_app, server, "officer1")
    assert SUPERVISION not in window.queue_items
    assert window.supervision.view is None
    summary = window.supervision.commitments
    with qtbot.waitSignal(summary.sig_refreshed, timeout=20000):
        window.refresh()
    mine = summary.summary
    assert summary.text() and str(mine.overdue) in summary.text()
    expected = supervision.my_commitments(window.store, window.actor, supervision_now())
    assert (mine.due_today, mine.overdue) == (expected.due_today, expected.overdue)
    # The case pane offers no reassign to an officer, and no urge in the composer.
    case_id = sorted(window.store.queue_id_set(CaseFilter(assignee_id=window.actor.id)))[0]
    window.case_pane.show_case(case_id)
    assert not window.case_pane.action_buttons["reassign"].isVisible()
    modes = [window.case_pane.mode_combo.itemData(i) for i in range(window.case_pane.mode_combo.count())]
    assert "urge" not in modes


def test_warnings_after_sync_are_raised_once(qtbot, desk_app, server):
    window = open_window(qtbot, desk_app, server, "chief1")
    hook = window.supervision
    qtbot.waitUntil(lambda: any(title for title, _ in window.notifications
                                if title in ("Overdue", "超期")), timeout=20000)
    before = list(window.notifications)
    raised = supervision.pending_warnings(window.store, window.actor, supervision_now())
    assert raised == []  # everything due was already raised after the first sync
    window.sync_now()
    qtbot.waitUntil(lambda: window.online_state == "idle" and not window.runner.busy, timeout=20000)
    hook.after_sync(type("Report", (), {"finished": True})())
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=10000)
    assert window.notifications == before


def test_chart_draws_and_reads_as_text(qtbot):
    chart = BarChart("每周达标率", maximum=100)
    qtbot.addWidget(chart)
    chart.resize(320, 200)
    chart.set_bars([Bar("03-02", 100, "100%"), Bar("03-09", 33.3, "33.3%")])
    assert chart.text_lines() == ["03-02: 100%", "03-09: 33.3%"]
    assert "03-09: 33.3%" in chart.accessibleDescription()
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    chart.render(image)
    # The full bar reaches higher than the third-full one: some pixel is bar-coloured.
    colours = {image.pixelColor(x, y).name() for x in range(0, 320, 4) for y in range(0, 200, 4)}
    assert "#2f6fb3" in colours


def supervision_now():
    from ui.clockfmt import utcnow
    return utcnow()
