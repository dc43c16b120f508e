"""The command line shows times in the zone the cached calendar carries, not in one it
was built with; before the first sync, in the contract's."""

from __future__ import annotations

import argparse
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from launch import cli
from tests.desk.test_store_factory import open_store, reference


def _context(store) -> cli.Context:
    ctx = cli.Context(argparse.Namespace(), io.StringIO(), io.StringIO(), io.StringIO())
    ctx.session = SimpleNamespace(store=store)  # what open() hands out once opened
    return ctx


def test_times_are_shown_in_the_calendars_zone(tmp_path):
    store = open_store(tmp_path)
    try:
        assert _context(store).zone() == ZoneInfo("Asia/Shanghai")
        ref = reference()
        store.save_reference(ref.model_copy(update={"calendar": ref.calendar.model_copy(
            update={"zone": "Asia/Urumqi"})}), None)
        zone = _context(store).zone()
        assert zone == ZoneInfo("Asia/Urumqi")
        assert cli.local_time("2026-05-01T00:00:00Z", zone) == "2026-05-01 06:00"
        assert cli.local_time("", zone) == "-"
    finally:
        store.close()
