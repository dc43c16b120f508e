"""Filters, saved views, search counts and related cases in the window, against the real
reference server (demo seed), through the real login and sync."""

from __future__ import annotations

import requests
from PySide6.QtCore import QCoreApplication, Qt

from desk.filters import QueueFilter
from tests.ui.conftest import login


def settle(qtbot, window):
    qtbot.waitUntil(lambda: not window._refresh_running and not window.runner.busy, timeout=15000)


def choose(qtbot, window, name):
    window.queue_list.setCurrentItem(window.queue_items[name])
    settle(qtbot, window)


def kinds_shown(window) -> set[str]:
    return {window.store.case(window.model.case_id(r))["kind"] for r in range(window.model.rowCount())}


def intake(server, unit_id, title, phone, kind="consultation"):
    resp = requests.post(f"{server.url}/api/v1/intake", timeout=30,
                         headers={"Authorization": f"Bearer {server.gateway_token}"},
                         json={"kind": kind, "title": title, "body": "请尽快处理", "unit_id": unit_id,
                               "channel": "热线电话",
                               "citizen": {"name": "欧阳建华", "phone": phone}})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def sync(qtbot, window, case_id):
    window.sync_now()
    qtbot.waitUntil(lambda: window.store.case(case_id) is not None, timeout=30000)
    settle(qtbot, window)


def test_chips_add_and_remove_narrow_the_queue(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    bar = window.filter_bar
    choose(qtbot, window, "unclaimed")
    everything = window.model.rowCount()
    assert len(kinds_shown(window)) > 1 and not bar.chips and not bar.save_button.isEnabled()

    # The menu offers the reference's kinds, categories and the due ranges.
    bar._fill_menu()
    menus = {a.text(): a.menu() for a in bar.menu.actions() if a.menu()}
    assert {"Kind", "Service category", "Channel", "Status", "Due"} <= set(menus)
    kind_captions = [a.text() for a in menus["Kind"].actions()]
    assert "Consultation" in kind_captions and "Tip" in kind_captions
    assert any("户政" in a.text() for a in menus["Service category"].actions())
    consultation = next(a for a in menus["Kind"].actions() if a.text() == "Consultation")
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        consultation.trigger()
    settle(qtbot, window)
    assert kinds_shown(window) == {"consultation"}
    assert [c.label.text() for c in bar.chips] == ["Kind: Consultation"]
    consultations = window.model.rowCount()
    assert 0 < consultations < everything

    # OR within a field, AND across fields.
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        bar.add("kinds", "tip")
    settle(qtbot, window)
    assert kinds_shown(window) == {"consultation", "tip"}
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        bar.add("statuses", "closed")
    settle(qtbot, window)
    assert window.model.rowCount() == 0, "no unclaimed case is closed"

    # Each chip's × is reachable from the keyboard and removes its own condition.
    chip = next(c for c in bar.chips if c.field == "statuses")
    assert chip.remove_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert chip.remove_button.accessibleName() == "Remove the filter Status: Closed"
    chip.remove_button.setFocus()
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        qtbot.keyClick(chip.remove_button, Qt.Key.Key_Space)
    settle(qtbot, window)
    assert kinds_shown(window) == {"consultation", "tip"}
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        bar.clear_button.click()
    settle(qtbot, window)
    assert window.model.rowCount() == everything and not bar.chips


def test_a_saved_view_lists_with_a_live_count(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    views = window.saved_views
    choose(qtbot, window, "unclaimed")
    window.filter_bar.add("channels", "热线电话")
    settle(qtbot, window)
    listed = window.model.rowCount()
    views.ask_name = lambda *_a: "热线待领取"
    with qtbot.waitSignal(window.sig_refreshed, timeout=10000):
        window.filter_bar.save_button.click()
    settle(qtbot, window)
    entry = window.queue_items["view:热线待领取"]
    assert entry.text() == f"热线待领取  ({listed})"
    assert window.queue_list.row(entry) < window.queue_list.row(window.queue_items["outbox"])
    assert window.queue_name == "view:热线待领取"

    # Another queue clears the filter; the view brings it back.
    choose(qtbot, window, "mine")
    assert not window.filter_bar.filter
    choose(qtbot, window, "view:热线待领取")
    assert window.filter_bar.filter == QueueFilter(channels=("热线电话",))
    assert window.model.rowCount() == listed

    # A sync brings a new hotline case to the unit: the count follows.
    new = intake(server, window.actor.unit_id, "夜间噪音扰民", "13700000001")
    sync(qtbot, window, new)
    qtbot.waitUntil(lambda: entry.text() == f"热线待领取  ({listed + 1})", timeout=10000)
    # Claiming it takes it out of the unclaimed view.
    window.context.actions.claim(new)
    window.apply_changes(None)
    qtbot.waitUntil(lambda: entry.text() == f"热线待领取  ({listed})", timeout=10000)

    # Rename and delete; the officer's views are in the encrypted cache.
    views.rename("热线待领取", "热线")
    qtbot.waitUntil(lambda: "view:热线" in window.queue_items, timeout=10000)
    assert "view:热线待领取" not in window.queue_items
    assert [v.name for v in window.store.saved_views(window.context.officer.id)] == ["热线"]
    views.delete("热线", confirmed=True)
    qtbot.waitUntil(lambda: "view:热线" not in window.queue_items, timeout=10000)
    assert window.store.saved_views(window.context.officer.id) == []


def said_found(n: int) -> str:
    # Whichever catalogue an earlier test left loaded ("4 cases found", "找到 4 件").
    return QCoreApplication.translate("QueuePane", "%n case(s) found", "", n)


def test_search_counts_narrows_and_clears(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    edit = window.search_edit
    edit.setText("咨询")
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        edit.returnPressed.emit()
    found = window.model.rowCount()
    assert found > 0 and window.search_result.text() == said_found(found)
    statuses = [window.store.case(window.model.case_id(r))["status"] for r in range(found)]
    status = statuses[0]
    assert len(set(statuses)) > 1
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        window.filter_bar.add("statuses", status)
    narrowed = window.model.rowCount()
    assert narrowed == statuses.count(status) < found
    assert window.search_result.text() == said_found(narrowed)
    window.filter_bar.set_filter(QueueFilter(kinds=("no-such-kind",)), announce=True)
    no_case = QCoreApplication.translate("QueuePane", "No case found")
    qtbot.waitUntil(lambda: window.search_result.text() == no_case, timeout=10000)
    edit.setFocus()
    with qtbot.waitSignal(window.sig_listed, timeout=10000):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == "" and not window.search_result.isVisibleTo(window)


def test_related_cases_are_listed_masked_and_open(qtbot, desk_app, server):
    window = login(qtbot, desk_app, server, "officer1")
    unit = window.actor.unit_id
    first = intake(server, unit, "城关小区一条黑狗咬伤儿童", "13600000001")
    second = intake(server, unit, "城关小区黑狗咬伤儿童！", "13600000002")
    third = intake(server, unit, "咨询户口迁移手续办理", "13600000001")   # the same citizen's phone
    intake(server, unit, "小区停车位被占了", "13600000009")
    sync(qtbot, window, third)
    window.open_case(first)
    related = window.case_pane.related
    qtbot.waitUntil(lambda: related.isVisibleTo(window) and related.list.count() == 2, timeout=10000)
    lines = [related.list.item(i).text() for i in range(related.list.count())]
    assert "same phone" in lines[0] and "similar title" in lines[1]
    assert all("欧**" in line and "欧阳建华" not in line for line in lines), "masked"
    assert related.header.text().startswith("Related cases (2)")
    item = related.list.item(1)
    related.list.itemActivated.emit(item)
    assert window.case_pane.case_id == second
    qtbot.waitUntil(lambda: {related.list.item(i).data(Qt.ItemDataRole.UserRole)
                             for i in range(related.list.count())} == {first}, timeout=10000)


def test_walking_the_queue_looks_up_related_cases_once_it_rests(qtbot, desk_app, server, monkeypatch):
    import gc

    gc.unfreeze()  # what an earlier test's window froze
    window = login(qtbot, desk_app, server, "officer1")
    # The window is up: what it made lives as long as it and is out of the collector's walk.
    assert gc.get_freeze_count() > 0
    related = window.case_pane.related
    looked_up: list[str] = []
    real_look_up = related._look_up
    monkeypatch.setattr(related, "_look_up", lambda: (looked_up.append(related.case_id), real_look_up())[1])
    related._rest.timeout.disconnect()
    related._rest.timeout.connect(related._look_up)
    ids = [window.model.case_id(row) for row in range(min(window.model.rowCount(), 6))]
    assert len(ids) >= 3
    for case_id in ids:  # an officer pressing Down faster than the rest
        window.open_case(case_id)
        qtbot.wait(50)
    assert looked_up == [] and related.isHidden(), "nothing looked up, no other case's list shown"
    qtbot.waitUntil(lambda: looked_up == [ids[-1]], timeout=5000)
    qtbot.wait(600)
    assert looked_up == [ids[-1]]
