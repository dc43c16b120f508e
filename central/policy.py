"""Case kinds and their clocks by configuration: `desk central --policy-file FILE`.

The platform adds services while hundreds of clients stay installed (lost-and-found for
three branches in one year): a new case kind with its clocks is a line in a file, not a
release of the server. The file's rows are merged over the policy the database was
seeded with (a row for a kind that exists replaces it, a new kind is added), read once
at start, and served in /reference like any other row; clients follow a new kind's
clocks from that row and show its `name`. Intake accepts exactly the kinds of the
merged policy.

    {"policy": [
      {"kind": "lost_found", "name": "失物招领", "clocks": [{"clock": "reply", "limit": 3, "unit": "working_day"}]}
    ]}

(a bare list of rows is read too). The server computes the clocks itself, so a row may
only use the clock names and units it knows, even though clients read any.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pydantic

from desk import wire

MAX_LIMIT = 3650


class PolicyFileError(Exception):
    """The policy file cannot be used; str() is one line that says where and why."""


def _row(path: Path, n: int, raw: Any) -> wire.Policy:
    where = f"{path.name}: row {n + 1}"
    try:
        row = wire.Policy.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "row"
        raise PolicyFileError(f"{where}: {loc}: {first.get('msg', 'invalid')}") from exc
    if not re.fullmatch(wire.WORD_PATTERN, row.kind):
        raise PolicyFileError(f"{where}: kind {row.kind!r} is not a word (letters, digits, _ . -)")
    if not row.name.strip():
        raise PolicyFileError(f"{where}: kind {row.kind} needs a name (what officers see)")
    seen: set[str] = set()
    for clock in row.clocks:
        # Strict here although clients read any clock name or unit: this server starts,
        # stops and pauses the clocks, and only knows these.
        if clock.clock not in wire.CLOCK_NAMES:
            raise PolicyFileError(f"{where}: clock {clock.clock!r} is not one of {', '.join(wire.CLOCK_NAMES)}")
        if clock.unit not in wire.CLOCK_UNITS:
            raise PolicyFileError(f"{where}: unit {clock.unit!r} is not one of {', '.join(wire.CLOCK_UNITS)}")
        if not 0 < clock.limit <= MAX_LIMIT:
            raise PolicyFileError(f"{where}: the {clock.clock} limit must be 1 to {MAX_LIMIT}")
        if clock.clock in seen:
            raise PolicyFileError(f"{where}: clock {clock.clock} is listed twice")
        seen.add(clock.clock)
    return row


def load_policy_file(path: str | Path) -> list[wire.Policy]:
    """The rows of a policy file, checked. Raises PolicyFileError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyFileError(f"no policy file at {path}") from exc
    except OSError as exc:
        raise PolicyFileError(f"cannot read the policy file {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise PolicyFileError(f"{path.name} is not JSON in UTF-8: {exc}") from exc
    rows = data.get("policy") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise PolicyFileError(f"{path.name}: expected {{\"policy\": [rows]}} or a list of rows")
    policy = [_row(path, n, raw) for n, raw in enumerate(rows)]
    kinds = [p.kind for p in policy]
    twice = sorted({k for k in kinds if kinds.count(k) > 1})
    if twice:
        raise PolicyFileError(f"{path.name}: kind {', '.join(twice)} is listed more than once")
    return policy


def merge(base: Iterable[wire.Policy], overrides: Iterable[wire.Policy]) -> dict[str, wire.Policy]:
    """The policy by kind: `base` in its order, each override replacing its kind's row,
    new kinds after."""
    merged = {p.kind: p for p in base}
    for row in overrides:
        merged[row.kind] = row
    return merged
