"""The one way the app logs an error it did not expect: where it happened (the frames, by
file, line and function) and the exception's type, never its message, which may quote a
citizen's text, a name or a phone number (desk.logsafe). Here: which failures the
officer is told about (the cache) and which are bugs."""

from __future__ import annotations

import logging

from desk.logsafe import log_unexpected


def log_bug(log: logging.Logger, what: str, exc: BaseException) -> None:
    """`what` names the work that failed ("queue listing"); a constant, no user data.
    The frames are desk.logsafe's, the one way either side writes them."""
    log_unexpected(log, f"unexpected error in {what}", exc)


def _cache_errors() -> tuple[type[BaseException], ...]:
    import sqlcipher3

    from desk.store import StoreError

    return (StoreError, sqlcipher3.DatabaseError, OSError)


# What reading the local cache may fail with and the officer is told about ("Cannot read
# the local cache"); anything else is a bug and goes to log_bug with where it happened.
CACHE_ERRORS = _cache_errors()


def log_failure(log: logging.Logger, what: str, exc: BaseException) -> None:
    """A failure of `what`: an expected one (the cache unreadable) in one line, a bug
    with its frames."""
    if isinstance(exc, CACHE_ERRORS):
        log.error("%s failed: %s", what, type(exc).__name__)
    else:
        log_bug(log, what, exc)
