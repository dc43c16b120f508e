"""An unexpected error is logged as where it happened, never as what it said."""

from __future__ import annotations

import logging

import pytest

from desk.logsafe import log_unexpected, where

SECRET = "张三 13800138000 举报内容"


def _fails_deep():
    data = {"citizen": SECRET}
    return data[SECRET]  # KeyError whose message is the citizen's text


def _fails_while_handling():
    try:
        _fails_deep()
    except KeyError as exc:
        raise ValueError(SECRET) from exc


def test_where_names_type_file_line_and_function_but_not_the_message():
    with pytest.raises(KeyError) as info:
        _fails_deep()
    text = where(info.value)
    assert SECRET not in text and "张三" not in text
    assert text.splitlines()[0] == "KeyError"
    assert "test_logsafe.py:" in text and "in _fails_deep" in text
    # The folder above the package (which may name the officer) is left out.
    assert "/home/" not in text and "\\Users\\" not in text


def test_where_follows_the_exception_it_was_raised_from():
    with pytest.raises(ValueError) as info:
        _fails_while_handling()
    text = where(info.value)
    assert SECRET not in text
    assert text.startswith("ValueError") and "KeyError" in text and "in _fails_deep" in text


def test_log_unexpected_writes_one_record_without_the_message(caplog):
    log = logging.getLogger("desk.test")
    with pytest.raises(KeyError) as info:
        _fails_deep()
    with caplog.at_level(logging.ERROR, logger="desk.test"):
        log_unexpected(log, "sync cycle crashed", info.value)
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is None
    assert record.getMessage().startswith("sync cycle crashed: KeyError")
    assert SECRET not in record.getMessage()


def test_a_core_frame_is_shown_from_its_package_down():
    from desk.wire import parse_stored_time

    with pytest.raises(ValueError) as info:
        parse_stored_time(None)
    assert "  desk/wire.py:" in where(info.value)
