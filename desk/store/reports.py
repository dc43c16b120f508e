"""The store's reports room: the SQL of the supervisor's figures (desk.supervision keeps
the arithmetic: what is at risk, compliance, ratings, warnings).

Cheap figures read the indexed columns of the view (`next_due_at`, `assignee_id`,
`status`); figures that need a case's clocks, rating or callbacks pull only those parts
out of the JSON with SQLite's json functions, so Python never decodes a whole case of a
100,000-case cache. Hand-written SQL (bench/bench_dashboard.py holds its plans).
"""

from __future__ import annotations

from datetime import datetime

from desk.overlay import sort_time
from desk.rules import Actor, scope_sql
from desk.store.queries import QueriesRoom, open_status_sql

# The supervisor's figures count the known open statuses.
_OPEN_SQL = open_status_sql()

# The unit's open cases and those closed since :closed, as two ranges of the
# (closed_at, unit_id) index (NULL sorts first): an OR of the two would walk every case
# the unit ever had, and fetching by rid reads the rows in table order.
_PERIOD_CASES = (
    "l.rid IN (SELECT rid FROM local_cases INDEXED BY local_cases_closed "
    "          WHERE closed_at IS NULL AND unit_id = :unit "
    "          UNION ALL SELECT rid FROM local_cases INDEXED BY local_cases_closed "
    "          WHERE closed_at >= :closed AND unit_id = :unit)"
)

_CLOCK_ROWS_SQL = (
    "SELECT l.id, l.number, l.kind, l.assignee_id, "
    "json_extract(c.value, '$.clock'), json_extract(c.value, '$.due_at'), "
    "json_extract(c.value, '$.stopped_at'), json_extract(c.value, '$.stopped_performed_at'), "
    "json_extract(c.value, '$.paused') "
    "FROM local_cases AS l, json_each(l.data, '$.clocks') AS c "
    f"WHERE {_PERIOD_CASES} "
    "AND (substr(json_extract(c.value, '$.due_at'), 1, 19) >= :since "
    "     OR substr(json_extract(c.value, '$.stopped_at'), 1, 19) >= :since)"
)

# One pass over the rows: each case's JSON is read and decoded once for both its rating
# and its callbacks (two queries read every row twice).
_RATINGS_SQL = (
    "SELECT l.id, l.number, l.assignee_id, json_extract(l.data, '$.rating.score'), "
    "json_extract(l.data, '$.rating.comment'), json_extract(l.data, '$.rating.rated_at'), "
    "(SELECT json_group_array(json_array(json_extract(e.value, '$.data.satisfaction'), "
    "                                    json_extract(e.value, '$.performed_at'))) "
    " FROM json_each(l.data, '$.entries') AS e "
    " WHERE json_extract(e.value, '$.type') = 'callback' "
    " AND json_extract(e.value, '$.data.satisfaction') IS NOT NULL) "
    f"FROM local_cases AS l WHERE {_PERIOD_CASES}"
)

# Answered from the assignee queue index alone (migration 4): it holds assignee_id,
# status and next_due_at.
_MINE_DUE_SQL = (
    "SELECT coalesce(sum(next_due_at >= ? AND next_due_at < ?), 0), "
    "coalesce(sum(next_due_at >= ? AND next_due_at < ?), 0), "
    "coalesce(sum(next_due_at < ?), 0) "
    f"FROM local_cases WHERE assignee_id = ? AND {_OPEN_SQL}"
)


class ReportsRoom(QueriesRoom):
    def at_risk_rows(self, actor: Actor, until: datetime) -> list[tuple]:
        """The open cases of the actor's scope whose nearest clock is due by `until`:
        (id, number, kind, title, status, assignee_id, next_clock, next_due_at,
        provisional, citizen_name, citizen_phone), unclaimed first, then by assignee
        and due time."""
        scope, params = scope_sql(actor)
        return self._read(
            f"SELECT id, number, kind, title, status, assignee_id, next_clock, next_due_at, "
            f"provisional, citizen_name, citizen_phone FROM local_cases "
            f"WHERE {scope} AND {_OPEN_SQL} AND next_due_at IS NOT NULL AND next_due_at <= ? "
            f"ORDER BY assignee_id IS NOT NULL, assignee_id, next_due_at",
            (*params, sort_time(until)))

    def workload_rows(self, actor: Actor, now: datetime, soon: datetime) -> list[tuple]:
        """Per assignee of the open cases of the actor's scope: (assignee_id, open, due
        soon, overdue, oldest received_at, that case's id, its number)."""
        now_s, soon_s = sort_time(now), sort_time(soon)
        scope, params = scope_sql(actor)
        # With a single min() aggregate SQLite returns the bare columns of that row: the
        # oldest case's id and number come with its received_at.
        return self._read(
            f"SELECT assignee_id, count(*), "
            f"coalesce(sum(next_due_at >= ? AND next_due_at <= ?), 0), "
            f"coalesce(sum(next_due_at < ?), 0), min(received_at), id, number "
            f"FROM local_cases WHERE {scope} AND {_OPEN_SQL} GROUP BY assignee_id",
            (now_s, soon_s, now_s, *params))

    def clock_rows(self, unit_id: str, closed_since: datetime, since_prefix: str) -> list[tuple]:
        """Every clock of the unit's cases open or closed since `closed_since` that was
        due or stopped at or after `since_prefix` (a text prefix of a UTC time): (id,
        number, kind, assignee_id, clock, due_at, stopped_at, stopped_performed_at,
        paused)."""
        with self.connection.read() as conn:
            return conn.execute(_CLOCK_ROWS_SQL, {
                "unit": unit_id, "closed": sort_time(closed_since), "since": since_prefix}).fetchall()

    def rating_rows(self, unit_id: str, closed_since: datetime) -> list[tuple]:
        """The unit's cases open or closed since `closed_since`: (id, number, assignee_id,
        rating score, comment, rated_at, JSON array of [satisfaction, performed_at] of
        its callbacks that recorded one)."""
        with self.connection.read() as conn:
            return conn.execute(_RATINGS_SQL, {"unit": unit_id,
                                               "closed": sort_time(closed_since)}).fetchall()

    def my_due_counts(self, officer_id: str, now: datetime, end_today: datetime,
                      end_tomorrow: datetime) -> tuple[int, int, int]:
        """(due today, due tomorrow, overdue) of the officer's own open cases."""
        now_s, today_s, tomorrow_s = sort_time(now), sort_time(end_today), sort_time(end_tomorrow)
        row = self._read(_MINE_DUE_SQL, (now_s, today_s, today_s, tomorrow_s, now_s, officer_id))[0]
        return int(row[0]), int(row[1]), int(row[2])

    def my_rating(self, officer_id: str) -> tuple[int, float | None]:
        """(how many, average score) of the ratings on the officer's cached cases."""
        row = self._read(
            "SELECT count(*), avg(json_extract(data, '$.rating.score')) FROM local_cases "
            "WHERE assignee_id = ? AND json_extract(data, '$.rating.score') IS NOT NULL",
            (officer_id,))[0]
        return int(row[0]), (float(row[1]) if row[1] is not None else None)

    def warning_rows(self, actor: Actor, until: datetime) -> list[tuple]:
        """The open cases whose nearest clock is due by `until` that may warn the actor:
        their own, and for a supervisor every case of their scope. (id, number,
        assignee_id, unit_id, the clocks as JSON), nearest due first."""
        if actor.is_supervisor:
            scope, params = scope_sql(actor)
        else:
            scope, params = "assignee_id = ?", [actor.id]
        # The nearest running clock bounds every other: a case whose nearest is not yet due
        # soon has no clock to warn about, so only these cases' clocks are decoded.
        return self._read(
            f"SELECT id, number, assignee_id, unit_id, json_extract(data, '$.clocks') "
            f"FROM local_cases WHERE {_OPEN_SQL} AND {scope} AND next_due_at IS NOT NULL "
            f"AND next_due_at <= ? ORDER BY next_due_at",
            (*params, sort_time(until)))

    def report_plans(self) -> dict[str, list[str]]:
        """EXPLAIN QUERY PLAN of the period figures' queries and of the officer's due
        counts, for the check that each reads only the rows it needs."""
        period = {"unit": "", "closed": "", "since": ""}
        return {
            "clocks": self._plan(_CLOCK_ROWS_SQL, period),
            "ratings": self._plan(_RATINGS_SQL, period),
            "my_commitments": self._plan(_MINE_DUE_SQL, ("",) * 6),
        }
