"""A small seed of our own, so the server tests do not depend on the demo data.

Its accounts follow the contract's (all with the password `demo-pass`).
"""

from __future__ import annotations

from central.seeds import SeedOfficer as Account
from desk import wire

PASSWORD = "demo-pass"
CITY, COUNTY, STATION_1, STATION_2, TRAFFIC = "u-city", "u-county", "u-st1", "u-st2", "u-traffic"


class TinySeed:
    def units(self) -> list[wire.Unit]:
        return [
            wire.Unit(id=CITY, name="市公安局", parent_id=None, kind="city"),
            wire.Unit(id=COUNTY, name="县公安局", parent_id=CITY, kind="county"),
            wire.Unit(id=STATION_1, name="城关派出所", parent_id=COUNTY, kind="station"),
            wire.Unit(id=STATION_2, name="东关派出所", parent_id=COUNTY, kind="station"),
            wire.Unit(id=TRAFFIC, name="交警秩序科", parent_id=COUNTY, kind="section"),
        ]

    def officers(self) -> list[Account]:
        return [
            Account("o-chief1", "chief1", PASSWORD, "王所长", "100001", STATION_1, ("officer", "supervisor")),
            Account("o-officer1", "officer1", PASSWORD, "李警官", "100002", STATION_1, ("officer",)),
            Account("o-officer2", "officer2", PASSWORD, "张警官", "100003", STATION_1, ("officer",)),
            Account("o-chief2", "chief2", PASSWORD, "赵所长", "200001", STATION_2, ("officer", "supervisor")),
            Account("o-officer3", "officer3", PASSWORD, "刘警官", "200002", STATION_2, ("officer",)),
        ]

    def service_items(self) -> list[wire.ServiceItem]:
        return [wire.ServiceItem(id="si-1", category="户政", name="户口迁移", mode="部分流程网上办理")]

    def templates(self) -> list[wire.Template]:
        return [wire.Template(id="t-1", title="已受理", body="您好，您的诉求已受理。")]

    def policy(self) -> list[wire.Policy]:
        def p(kind: str, name: str, *clocks: tuple[str, int, str]) -> wire.Policy:
            return wire.Policy(kind=kind, name=name, clocks=[
                wire.PolicyClock(clock=c, limit=n, unit=u) for c, n, u in clocks])
        return [
            p("application", "业务申办", ("accept", 1, "working_day")),
            p("consultation", "业务咨询", ("reply", 2, "working_day")),
            p("tip", "线索举报", ("reply", 5, "working_day")),
            p("appeal", "民生诉求", ("reply", 2, "working_day")),
            p("mailbox", "厅长信箱", ("reply", 5, "working_day")),
            p("petition", "网上信访", ("accept", 15, "calendar_day"), ("close", 60, "calendar_day")),
        ]
