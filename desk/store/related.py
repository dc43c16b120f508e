"""The store's related-cases room: other cases of the cache with the same citizen phone
or ID number, or a very similar title (desk.related says what "very similar" is).

Phone and ID number are equalities over indexes of migration 7; titles are found through
the search index's trigrams and scored in Python, over a bounded set of candidates.
"""

from __future__ import annotations

from typing import Any

from desk.related import SIMILAR_TITLE, title_similarity, trigrams
from desk.store.state import StateRoom

# How many title candidates are scored: the best-ranked by the search index.
_TITLE_CANDIDATES = 300
_ID_NUMBER = "json_extract(data, '$.citizen.id_number')"
_COLUMNS = "id, number, title, status, kind, citizen_name, unit_id, assignee_id"


class RelatedRoom(StateRoom):
    def related_cases(self, case_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """Other cases related to `case_id`, as dicts of id, number, title, status, kind,
        citizen_name (unmasked: the screen masks it), unit_id, assignee_id, `reasons`
        (a list of "phone", "id_number", "title") and `similarity` (of the titles). Same
        citizen first, then by similarity; at most `limit`."""
        own = self._read(f"SELECT rid, title, citizen_phone, {_ID_NUMBER} FROM local_cases "
                         "WHERE id = ?", (case_id,))
        if not own:
            return []
        rid, title, phone, id_number = own[0]
        found: dict[str, dict[str, Any]] = {}

        def add(rows: list[tuple], reason: str) -> None:
            for row in rows:
                item = found.get(row[0])
                if item is None:
                    item = dict(zip(_COLUMNS.split(", "), row, strict=False))
                    item["reasons"] = []
                    item["similarity"] = title_similarity(title, row[2])
                    found[row[0]] = item
                if reason not in item["reasons"]:
                    item["reasons"].append(reason)

        if phone:
            add(self._read(f"SELECT {_COLUMNS} FROM local_cases WHERE citizen_phone = ? AND rid != ?",
                           (phone, rid)), "phone")
        if id_number:
            add(self._read(f"SELECT {_COLUMNS} FROM local_cases WHERE {_ID_NUMBER} = ? AND rid != ?",
                           (id_number, rid)), "id_number")
        grams = trigrams(title)
        if grams:
            match = "title : (" + " OR ".join('"' + g.replace('"', '""') + '"' for g in grams) + ")"
            candidates = self._read(
                f"WITH m AS MATERIALIZED (SELECT rowid AS rid FROM case_fts WHERE case_fts MATCH ? "
                f"ORDER BY rank LIMIT ?) "
                f"SELECT {', '.join('l.' + c for c in _COLUMNS.split(', '))} FROM m "
                f"JOIN local_cases AS l ON l.rid = m.rid WHERE l.rid != ?",
                (match, _TITLE_CANDIDATES, rid))
            add([r for r in candidates if title_similarity(title, r[2]) >= SIMILAR_TITLE], "title")
        ordered = sorted(found.values(), key=lambda c: (
            not ({"phone", "id_number"} & set(c["reasons"])), -c["similarity"], c["number"]))
        return ordered[:limit]
