"""What a write to the store changed, as Anki's operations return `OpChanges`.

Every write of the store returns one of these, and so does every officer action, so the
window refreshes only what changed (the rows of these cases, the outbox pane, the
conflicts pane, what hangs on the reference data) instead of re-listing after every
action. Two changes combine with `|`; a Changes is true when anything changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Changes:
    case_ids: frozenset[str] = frozenset()   # cases whose row/view changed
    all_cases: bool = False                  # e.g. full resync, rebuild_all
    outbox: bool = False
    conflicts: bool = False
    reference: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            case_ids=self.case_ids | other.case_ids,
            all_cases=self.all_cases or other.all_cases,
            outbox=self.outbox or other.outbox,
            conflicts=self.conflicts or other.conflicts,
            reference=self.reference or other.reference,
        )

    def __bool__(self) -> bool:
        return bool(self.case_ids or self.all_cases or self.outbox or self.conflicts
                    or self.reference)

    def touches(self, case_id: str) -> bool:
        """Did this change the row or view of `case_id` (a full rebuild changes all)?"""
        return self.all_cases or case_id in self.case_ids


NOTHING = Changes()


def cases(ids: Iterable[str], **flags: bool) -> Changes:
    """The Changes of these cases' views (and of whatever `flags` name)."""
    return Changes(case_ids=frozenset(ids), **flags)
