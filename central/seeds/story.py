"""The demo story generator: a few hundred cases received over the last ~60 days and
everything done to them, as events the server replays through its own op engine."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from central.calendar_seed import build_calendar
from central.seeds.reference import (
    _TEMPLATES,
    _UNITS,
    BEIJING,
    CHANNELS,
    DEFAULT_UNIT_BY_CATEGORY,
    DEMO_SEED,
    EXIT_ENTRY_SECTION,
    RURAL_UNITS,
    STATION_1,
    STATION_2,
    STATION_DONGYU,
    STATION_MENGFENG,
    TRAFFIC_SECTION,
    _officer_id,
    officers,
    units,
)
from central.seeds.texts import (
    _CALLBACKS_MISSED,
    _CALLBACKS_REACHED,
    _CASE_TEXTS,
    _CITIZEN_FOLLOWUPS,
    _DECLINE_REASONS,
    _NOTES,
    _RATING_COMMENTS,
    _THANKS,
    _TRANSFER_REASONS,
    _URGES,
    _WAIT_DEFAULT,
    _WAIT_REASONS,
    _citizen,
    _details,
    _id_number,
)
from desk import rules
from desk.wire import (
    Citizen,
    CitizenEventRequest,
    IntakeRequest,
)
from desk.worktime import Calendar

# The first clock that decides whether a case of this kind is on time, in days, and
# whether it counts working days. Used only to place received_at for a clock state.
_MAIN_CLOCK: dict[str, tuple[float, bool]] = {
    "application": (1, True),
    "consultation": (2, True),
    "tip": (5, True),
    "appeal": (2, True),
    "mailbox": (5, True),
    "petition": (15, False),
}
# Kinds whose main clock is stopped by `accept` (the others by a reply).
_ACCEPT_CLOCK_KINDS = frozenset({"application", "petition"})

# ---------------------------------------------------------------- demo events


@dataclass(frozen=True)
class Intake:
    at: datetime
    ref: str
    request: IntakeRequest


@dataclass(frozen=True)
class Action:
    at: datetime
    username: str
    case_ref: str
    op_type: str
    payload: dict
    performed_at: datetime | None = None


@dataclass(frozen=True)
class CitizenEvent:
    at: datetime
    case_ref: str
    request: CitizenEventRequest


DemoEvent = Intake | Action | CitizenEvent


# ---- working time (only to place received_at so that each clock state occurs)


@functools.lru_cache(maxsize=1)
def _calendar() -> Calendar:
    # The server's own calendar, so a case placed "due in two working hours" is due
    # then by the server's clocks too.
    return build_calendar()


def working_time_before(end: datetime, seconds: float) -> datetime:
    """The earliest t with exactly `seconds` of working time between t and `end`."""
    return _calendar().add_working(end, -timedelta(seconds=seconds))


def working_time_after(start: datetime, seconds: float) -> datetime:
    """The earliest t with exactly `seconds` of working time between `start` and t."""
    return _calendar().add_working(start, timedelta(seconds=seconds))


# ---- building cases: plan, then check every step against the shared rules


@dataclass
class _Step:
    at: datetime
    who: str | None  # username; None for a citizen event
    op: str  # an op type, or "message" / "rating" for citizen events
    payload: dict[str, Any] = field(default_factory=dict)
    performed_at: datetime | None = None


class _Case:
    """One demo case: its intake, then the steps, kept in a simulation of the server's
    rules so that the data cannot ask the server for something it must refuse."""

    def __init__(self, gen: _Generator, ref: str, request: IntakeRequest) -> None:
        self.gen = gen
        self.ref = ref
        self.request = request
        # The wire lets the server fill both in; a demo case always names them (new_case).
        if request.received_at is None or request.unit_id is None:
            raise ValueError(f"{ref}: a demo case needs its receipt time and unit")
        self.received: datetime = request.received_at
        self.unit: str = request.unit_id
        self.assignee: str | None = None
        self.status = "new"
        self.held: set[str] = set()
        self.steps: list[_Step] = []
        self.t = self.received

    # -- plan

    def after(self, minutes: float) -> datetime:
        self.t = self.t + timedelta(minutes=minutes)
        return self.t

    def op(self, minutes: float, who: str, op: str, **payload: Any) -> _Case:
        self.after(minutes)
        self._check(who, op, payload)
        self.steps.append(_Step(self.t, who, op, payload))
        return self

    def citizen(self, minutes: float, kind: str, body: str = "", score: int | None = None) -> None:
        self.after(minutes)
        if kind == "message":
            if self.status not in rules.OPEN_STATUSES:
                raise ValueError(f"{self.ref}: citizen message on a {self.status} case")
            if self.status == "waiting_citizen":
                self.status = "in_progress"
        elif self.status != "closed":
            raise ValueError(f"{self.ref}: rating on a {self.status} case")
        self.steps.append(_Step(self.t, None, kind, {"body": body, "score": score}))

    def _check(self, who: str, op: str, payload: dict[str, Any]) -> None:
        officer = self.gen.by_username[who]
        decision = rules.decide(
            op, payload,
            status=self.status, unit_id=self.unit, assignee_id=self.assignee,
            actor=rules.Actor(officer.id, officer.unit_id, officer.roles),
            held_before=officer.id in self.held,
            unit_exists=lambda unit_id: unit_id in self.gen.unit_ids,
            officer_unit=lambda officer_id: self.gen.unit_of_officer.get(officer_id),
        )
        if not decision.allowed:
            raise ValueError(f"{self.ref}: {who} may not {op} ({decision.code}: {decision.detail})")
        self.status = rules.status_after(op, payload, self.status)
        if op == "claim":
            self.assignee = officer.id
        elif op == "reassign":
            self.assignee = payload["to_officer_id"]
        elif op == "transfer":
            self.unit = payload["to_unit_id"]
            self.assignee = None
        if self.assignee:
            self.held.add(self.assignee)

    # -- timing

    def go_offline(self, first: int, last: int, link_back_minutes: float) -> None:
        """Steps first..last were done on a dead link: they keep their times as
        performed_at and reach the server together when the link comes back."""
        sync = self.steps[last].at + timedelta(minutes=link_back_minutes)
        for i in range(first, last + 1):
            step = self.steps[i]
            step.performed_at = step.at
            step.at = sync + timedelta(seconds=i - first)
        floor = self.steps[last].at
        for step in self.steps[last + 1:]:
            if step.at <= floor:
                step.at = floor + timedelta(seconds=1)
            floor = step.at
        self.t = floor

    def fit_before(self, now: datetime) -> None:
        """Squeeze the plan into the time between receipt and `now`, keeping its order."""
        if not self.steps or self.steps[-1].at <= now - timedelta(minutes=1):
            return
        room = (now - timedelta(minutes=1) - self.received).total_seconds()
        span = (self.steps[-1].at - self.received).total_seconds()
        factor = max(room, 0.0) / span

        def squeeze(t: datetime) -> datetime:
            return self.received + timedelta(seconds=(t - self.received).total_seconds() * factor)

        for step in self.steps:
            step.at = squeeze(step.at)
            if step.performed_at is not None:
                step.performed_at = squeeze(step.performed_at)

    def events(self) -> list[DemoEvent]:
        out: list[DemoEvent] = [Intake(at=self.received, ref=self.ref, request=self.request)]
        for step in self.steps:
            if step.who is None:
                out.append(CitizenEvent(
                    at=step.at,
                    case_ref=self.ref,
                    request=CitizenEventRequest(
                        # A citizen step (who is None) is a "message" or a "rating": citizen().
                        type=cast(Literal["message", "rating"], step.op), body=step.payload["body"],
                        score=step.payload["score"]),
                ))
            else:
                out.append(Action(
                    at=step.at, username=step.who, case_ref=self.ref, op_type=step.op,
                    payload=dict(step.payload), performed_at=step.performed_at,
                ))
        return out


_FATES: tuple[tuple[str, int], ...] = (
    ("unclaimed_fresh", 6),
    ("unclaimed_overdue", 5),
    ("claimed", 6),
    ("accepted", 5),
    ("due_soon", 6),
    ("overdue", 6),
    ("in_progress", 7),
    ("waiting", 5),
    ("waiting_resumed", 4),
    ("reassigned", 3),
    ("closed_recent", 27),
    ("closed_old", 18),
    ("declined", 5),
    ("transferred", 7),
)
_CHANNEL_WEIGHTS = (30, 20, 8, 18, 8, 16)
# Who in station 1 picks up a case: officer1 is the demo's main account.
_HANDLER_WEIGHTS = {"officer1": 45, "officer2": 28, "liuyang": 16, "zhaolei": 16,
                    "officer3": 50, "sunjie": 30, "zhoujing": 20}
BULK_CASES = 330


class _Generator:
    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)
        self.rng = random.Random(DEMO_SEED)
        self.officers = officers()
        self.by_username = {o.username: o for o in self.officers}
        self.unit_of_officer = {o.id: o.unit_id for o in self.officers}
        self.unit_ids = {u.id for u in units()}
        self.cases: list[_Case] = []

    # -- helpers

    def ago_working(self, days: float) -> datetime:
        return working_time_before(self.now, days * 86400)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def handlers(self, unit_id: str) -> list[str]:
        return [o.username for o in self.officers
                if o.unit_id == unit_id and "supervisor" not in o.roles]

    def chief(self, unit_id: str) -> str:
        return next(o.username for o in self.officers
                    if o.unit_id == unit_id and "supervisor" in o.roles)

    def handler(self, unit_id: str) -> str:
        names = self.handlers(unit_id)
        weights = [_HANDLER_WEIGHTS.get(n, 10) for n in names]
        return self.rng.choices(names, weights)[0]

    def new_case(self, ref: str, at: datetime, **fields: Any) -> _Case:
        request = IntakeRequest(received_at=at, **fields)
        case = _Case(self, ref, request)
        self.cases.append(case)
        return case

    def reply_minutes(self) -> float:
        return self.rng.uniform(30, 600)

    # -- the story cases

    def story_cases(self) -> None:
        rng = self.rng
        # The truck driver. Received on a working morning about a week and a half ago.
        day = working_time_before(self.now, 7 * 86400).astimezone(BEIJING).date()
        r = datetime(day.year, day.month, day.day, 9, 12, tzinfo=BEIJING).astimezone(UTC)
        driver = Citizen(name="刘保平", phone="13839176542",
                         id_number=_id_number(random.Random(41082319), "410823"))
        ticket = "1401211000582733"
        case = self.new_case(
            "story-traffic-fine", r, kind="appeal", category="交警", service_item_id="jj-wf",
            channel="门户网站", unit_id=STATION_1, citizen=driver,
            title="去年的违章罚款交给饭店老板代缴，现在换证说没交",
            body=(
                "我是河南货车司机刘保平，驾驶证号" + driver.id_number + "，档案编号410800612345。"
                "去年在清徐县境内307国道被查超载，处罚决定书编号" + ticket + "，罚款200元。"
                "当时路边饭店老板说他认识人可以帮忙代缴，我把现金给了他。"
                "现在回老家换驾驶证，系统显示这条违法没处理，证换不了。"
                "我人在河南回不去，麻烦帮我查一下到底交没交上。电话13839176542。"
            ),
        )
        case.op(24, "officer1", "claim").op(3, "officer1", "accept")
        case.op(2, "officer1", "reveal", field="phone")
        case.op(6, "officer1", "callback", outcome="reached", duration_s=264,
                body="已电话联系当事人，核实其驾驶证号、档案编号和处罚决定书编号，"
                     "告知已请交警大队协助查询缴款记录，查询结果当天答复。",
                satisfaction=None)
        case.op(12, "officer1", "transfer", to_unit_id=TRAFFIC_SECTION,
                reason="请协助查询处罚决定书" + ticket + "的罚款缴纳情况，当事人称去年交现金给饭店老板代缴。")
        case.op(70, "traffic1", "claim").op(4, "traffic1", "accept")
        case.op(40, "traffic1", "note",
                body="经查询违法处理系统，决定书" + ticket + "罚款至今未缴纳，无任何缴款记录。"
                     "银行缴款为实时入账，当事人所称饭店老板代缴不实，系诈骗。已告知当事人可向原籍派出所报案。")
        case.op(15, "traffic1", "callback", outcome="reached", duration_s=412,
                body="电话告知当事人查询结果：罚款未缴纳，需补缴罚款200元及滞纳金200元，"
                     "可通过交管12123或河南当地交警窗口缴纳，缴纳后即可换证。当事人表示理解。",
                satisfaction="satisfied")
        case.op(5, "traffic1", "reply", notify_sms=True,
                body="您好！经查，您的处罚决定书" + ticket + "所列罚款至今未缴纳，饭店老板并未代缴。"
                     "您可在“交管12123”APP或河南当地任一交警违法处理窗口缴纳罚款200元，"
                     "另需缴纳滞纳金200元（不超过罚款本数），缴纳后即可正常换证。"
                     "请注意：交通罚款只能本人通过官方渠道缴纳，切勿将现金交给他人代缴，谨防诈骗。")
        case.citizen(95, "message", "谢谢交警同志！罚款已经在12123上交了，证也能换了。以后再也不找人代缴了。")
        case.op(30, "traffic1", "set_status", to="closed", reason="已答复，当事人已缴款。")
        case.citizen(180, "rating", "查得快，说得清楚，非常感谢！", 5)

        # Taiwan travel: answered within ten minutes.
        r = self.ago(12.3)
        case = self.new_case(
            "story-taiwan-travel", r, kind="consultation", category="出入境",
            service_item_id="crj-tw", channel="微博", unit_id=EXIT_ENTRY_SECTION,
            citizen=_citizen(rng), title="去台湾旅游需要办什么手续？可以自由行吗？",
            body="你好，我和爱人想明年春天去台湾旅游，请问需要办理什么证件？"
                 "可以个人自由行吗，还是必须跟团？大概需要多长时间？",
        )
        case.op(2, "exit1", "claim")
        case.op(6, "exit1", "reply", notify_sms=True, body=_TEMPLATE_BODIES["tpl-taiwan"])
        case.op(1, "exit1", "accept")
        case.op(3, "exit1", "set_status", to="closed", reason="已答复。")
        case.citizen(240, "rating", "十分钟不到就回复了，还给了电话和公众号，太方便了。", 5)

        # Special-trade permit: written reply, then a phone call, five stars.
        r = self.ago(19.6)
        case = self.new_case(
            "story-special-trade-permit", r, kind="consultation", category="治安",
            service_item_id="za-tzhy", channel="门户网站", unit_id=STATION_1,
            citizen=_citizen(rng), title="咨询开印章刻制店需要办理特种行业许可证吗",
            body="我打算在清徐县城开一家印章刻制店，听说要办特种行业许可证，"
                 "请问需要什么材料，在哪里办，多长时间能批下来？",
        )
        case.op(35, "officer1", "claim").op(2, "officer1", "accept")
        case.op(50, "officer1", "reply", notify_sms=True,
                body=_TEMPLATE_BODIES["tpl-special-trade"])
        case.op(20 * 60, "officer1", "callback", outcome="reached", duration_s=356,
                body="电话回访，逐项讲解了申请材料和审批流程，提醒先办理消防安全检查。当事人表示清楚了。",
                satisfaction="satisfied")
        case.op(10, "officer1", "set_status", to="closed", reason="已书面答复并电话回访。")
        case.citizen(300, "rating", "书面回复很详细，还专门打电话讲解，五星好评！", 5)

        # Answered offline before the due time, delivered after it.
        received = self.ago_working(2.6)
        due = working_time_after(received, 2 * 86400)
        case = self.new_case(
            "story-offline-on-time", received, kind="consultation", category="户政",
            service_item_id="hz-jzz", channel="热线电话", unit_id=STATION_2,
            citizen=_citizen(rng), title="居住证到期了怎么续签",
            body="我的居住证下个月到期，请问续签需要本人到派出所吗？还需要重新提供租房合同吗？",
        )
        case.op(50, "officer3", "claim")
        gap = (due - case.t).total_seconds() / 60
        case.op(gap - 180, "officer3", "accept")
        case.op(60, "officer3", "reply", notify_sms=True,
                body="您好！居住证每年签注一次，可在到期前30日内通过网上办理签注，"
                     "需上传最新的租房合同或居住证明，无需本人到所。")
        case.op(30, "officer3", "note", body="下乡走访时用离线模式答复，网络恢复后上传。")
        first = len(case.steps) - 3
        case.go_offline(first, len(case.steps) - 1, 300)

        # Two citizens pasted text that looks like markup.
        r = self.ago_working(0.4)
        self.new_case(
            "story-markup-img", r, kind="tip", category="网警", service_item_id="wj-jb",
            channel="手机网站", unit_id=STATION_1, citizen=_citizen(rng),
            title="举报诈骗网站<img src=x onerror=alert(1)>",
            body="这个网站冒充银行骗钱，页面代码里有这个：<img src=x onerror=alert(1)> "
                 "还有<script>document.location='http://x'</script>，请查处。",
        )
        r = self.ago_working(1.3)
        case = self.new_case(
            "story-markup-link", r, kind="consultation", category="户政",
            service_item_id="hz-jd", channel="微信", unit_id=STATION_1, citizen=_citizen(rng),
            title="身份证进度查询",
            body='我在网上看到这个链接说能查身份证进度 <a href="http://x">点我</a> 是真的吗？'
                 "&lt;b&gt;急&lt;/b&gt; 请回复。",
        )
        case.op(45, "officer1", "claim")

    # -- the bulk

    def bulk(self, count: int) -> None:
        texts = list(_CASE_TEXTS)
        station_units = [STATION_1, STATION_2]
        # Fixed coverage first: every fate in both stations, every text, every channel.
        forced: list[tuple[str | None, str | None, int | None]] = []
        for station in station_units:
            for station_fate, _ in _FATES:
                forced.append((station, station_fate, None))
        for i in range(len(texts)):
            forced.append((None, None, i))
        for n in range(count):
            unit_id, fate, text_index = forced[n] if n < len(forced) else (None, None, None)
            self.bulk_case(n, unit_id, fate, text_index)

    def bulk_case(self, n: int, unit_id: str | None, fate: str | None,
                  text_index: int | None) -> None:
        rng = self.rng
        if text_index is None:
            text_index = rng.randrange(len(_CASE_TEXTS))
        category, kind, item, title, body, reply = _CASE_TEXTS[text_index]
        if unit_id is None:
            unit_id = rng.choices(
                [STATION_1, STATION_2, DEFAULT_UNIT_BY_CATEGORY[category], STATION_DONGYU,
                 STATION_MENGFENG, "yq-hz", "xd-wc", "dt-pc-xj"],
                [42, 28, 14, 4, 3, 3, 3, 3])[0]
        if fate is None:
            fate = rng.choices([f for f, _ in _FATES], [w for _, w in _FATES])[0]
        channel = CHANNELS[n] if n < len(CHANNELS) else rng.choices(CHANNELS, _CHANNEL_WEIGHTS)[0]
        citizen = _citizen(rng)
        details = _details(rng, self.now, citizen)
        received = self.received_for(fate, kind)
        case = self.new_case(
            f"demo-{n + 1:04d}", received, kind=kind, category=category,
            service_item_id=item, channel=channel, unit_id=unit_id, citizen=citizen,
            title=title.format(**details), body=body.format(**details),
        )
        getattr(self, f"fate_{fate}")(case, reply)
        if unit_id in RURAL_UNITS and rng.random() < 0.35:
            self.maybe_offline(case)
        case.fit_before(self.now)

    def received_for(self, fate: str, kind: str) -> datetime:
        rng = self.rng
        limit, working = _MAIN_CLOCK[kind]
        if fate == "unclaimed_fresh":
            return self.now - timedelta(minutes=rng.uniform(5, 360))
        if fate in ("unclaimed_overdue", "overdue"):
            extra = rng.uniform(0.2, 4)
            return self.ago_working(limit + extra) if working else self.ago(limit + extra)
        if fate == "due_soon":
            hours_left = rng.uniform(0.5, 3.8)
            if working:
                return self.ago_working(limit - hours_left / 24)
            return self.ago(limit - hours_left / 24)
        if fate == "claimed":
            return self.ago_working(rng.uniform(0.05, 0.8) * min(limit, 1))
        if fate in ("accepted", "in_progress", "waiting", "waiting_resumed", "reassigned"):
            return self.ago_working(rng.uniform(0.3, 6))
        if fate == "closed_recent":
            return self.ago(rng.uniform(1, 27))
        if fate == "closed_old":
            return self.ago(rng.uniform(33, 60))
        if fate == "declined":
            return self.ago(rng.uniform(0.5, 40))
        return self.ago(rng.uniform(0.5, 20))  # transferred

    # -- fates: each takes a freshly received case to its state

    def fate_unclaimed_fresh(self, case: _Case, reply: str) -> None:
        pass

    def fate_unclaimed_overdue(self, case: _Case, reply: str) -> None:
        if self.rng.random() < 0.5:
            case.op(self.rng.uniform(600, 1400), self.chief(case.unit), "urge",
                    body="该件无人领取，请值班民警及时领取办理。")

    def fate_claimed(self, case: _Case, reply: str) -> None:
        case.op(self.rng.uniform(5, 90), self.handler(case.unit), "claim")

    def fate_accepted(self, case: _Case, reply: str) -> None:
        who = self.handler(case.unit)
        self._start(case, who)
        if self.rng.random() < 0.4:
            case.op(self.rng.uniform(30, 300), who, "note", body=self.rng.choice(_NOTES))

    def _start(self, case: _Case, who: str) -> None:
        case.op(self.rng.uniform(5, 120), who, "claim")
        case.op(self.rng.uniform(1, 30), who, "accept")

    def fate_due_soon(self, case: _Case, reply: str) -> None:
        who = self.handler(case.unit)
        if case.request.kind in _ACCEPT_CLOCK_KINDS:
            case.op(self.rng.uniform(5, 60), who, "claim")
            return
        self._start(case, who)
        case.op(self.rng.uniform(5, 60), who, "set_status", to="in_progress", reason="")
        if self.rng.random() < 0.5:
            case.op(self.rng.uniform(30, 300), who, "note", body=self.rng.choice(_NOTES))

    def fate_overdue(self, case: _Case, reply: str) -> None:
        rng = self.rng
        who = self.handler(case.unit)
        if case.request.kind in _ACCEPT_CLOCK_KINDS:
            case.op(rng.uniform(5, 60), who, "claim")
        else:
            self._start(case, who)
            case.op(rng.uniform(5, 60), who, "set_status", to="in_progress", reason="")
            case.op(rng.uniform(60, 600), who, "note", body=rng.choice(_NOTES))
        if rng.random() < 0.6:
            case.op(rng.uniform(900, 2000), self.chief(case.unit), "urge", body=rng.choice(_URGES))
            if rng.random() < 0.5:
                case.op(rng.uniform(20, 120), who, "note",
                        body="已收到督办，正在协调相关部门，今日内答复。")

    def fate_in_progress(self, case: _Case, reply: str) -> None:
        rng = self.rng
        who = self.handler(case.unit)
        self._start(case, who)
        case.op(rng.uniform(5, 60), who, "set_status", to="in_progress", reason="")
        if case.request.kind not in _ACCEPT_CLOCK_KINDS or rng.random() < 0.5:
            case.op(self.reply_minutes(), who, "reply", body=reply, notify_sms=rng.random() < 0.7)
        case.op(rng.uniform(30, 600), who, "note", body=rng.choice(_NOTES))

    def _wait(self, case: _Case, who: str) -> None:
        reasons = _WAIT_REASONS.get(case.request.category, _WAIT_DEFAULT)
        self._start(case, who)
        case.op(self.rng.uniform(10, 120), who, "set_status", to="waiting_citizen",
                reason=self.rng.choice(reasons))

    def fate_waiting(self, case: _Case, reply: str) -> None:
        self._wait(case, self.handler(case.unit))

    def fate_waiting_resumed(self, case: _Case, reply: str) -> None:
        who = self.handler(case.unit)
        self._wait(case, who)
        case.citizen(self.rng.uniform(60, 1500), "message", self.rng.choice(_CITIZEN_FOLLOWUPS))
        if self.rng.random() < 0.5:
            case.op(self.rng.uniform(30, 300), who, "note", body="已收到补充材料，继续办理。")

    def fate_reassigned(self, case: _Case, reply: str) -> None:
        rng = self.rng
        chief = self.chief(case.unit)
        names = self.handlers(case.unit)
        target = self.handler(case.unit)
        if len(names) < 2 or rng.random() < 0.3:
            # The chief hands an unclaimed case straight to an officer.
            case.op(rng.uniform(60, 300), chief, "reassign", to_officer_id=_officer_id(target),
                    reason="指定专人办理。")
        else:
            first = rng.choice([n for n in names if n != target])
            case.op(rng.uniform(5, 60), first, "claim")
            case.op(rng.uniform(60, 600), chief, "reassign", to_officer_id=_officer_id(target),
                    reason=rng.choice(("原承办民警外出培训，改由其他民警办理。",
                                       "该民警熟悉此类业务，改派办理。")))
        case.op(rng.uniform(10, 120), target, "accept")
        case.op(rng.uniform(5, 60), target, "set_status", to="in_progress", reason="")

    def _close(self, case: _Case, who: str, reply: str) -> None:
        rng = self.rng
        case.op(self.reply_minutes(), who, "reply", body=reply, notify_sms=rng.random() < 0.7)
        if rng.random() < 0.7:
            if rng.random() < 0.25:
                outcome = rng.choice(tuple(_CALLBACKS_MISSED))
                case.op(rng.uniform(60, 600), who, "callback", outcome=outcome, duration_s=0,
                        body=_CALLBACKS_MISSED[outcome], satisfaction=None)
            if rng.random() < 0.3:
                case.op(rng.uniform(1, 10), who, "reveal", field="phone")
            satisfaction = rng.choices(("satisfied", "neutral", "dissatisfied"), (80, 15, 5))[0]
            case.op(rng.uniform(60, 1400), who, "callback", outcome="reached",
                    duration_s=rng.randrange(40, 600), body=rng.choice(_CALLBACKS_REACHED),
                    satisfaction=satisfaction)
        if rng.random() < 0.3:
            case.citizen(rng.uniform(10, 600), "message", rng.choice(_THANKS))
        case.op(rng.uniform(10, 1400), who, "set_status", to="closed", reason="已办结。")
        if rng.random() < 0.6:
            score = rng.choices((5, 4, 3, 2, 1), (55, 25, 8, 6, 6))[0]
            case.citizen(rng.uniform(30, 2000), "rating", rng.choice(_RATING_COMMENTS[score]), score)
            if score == 1 and rng.random() < 0.5:
                # A complaint: the chief reopens the case and has it handled again.
                chief = self.chief(case.unit)
                case.op(rng.uniform(60, 600), chief, "set_status", to="in_progress",
                        reason="群众评价不满意，重新办理。")
                case.op(rng.uniform(5, 60), chief, "urge",
                        body="群众对处理结果不满意，请重新联系当事人，两日内办结。")

    def fate_closed_recent(self, case: _Case, reply: str) -> None:
        who = self.handler(case.unit)
        self._start(case, who)
        if self.rng.random() < 0.4:
            case.op(self.rng.uniform(5, 60), who, "set_status", to="in_progress", reason="")
        self._close(case, who, reply)

    fate_closed_old = fate_closed_recent

    def fate_declined(self, case: _Case, reply: str) -> None:
        who = self.handler(case.unit)
        case.op(self.rng.uniform(5, 240), who, "claim")
        case.op(self.rng.uniform(5, 240), who, "decline", reason=self.rng.choice(_DECLINE_REASONS))

    def fate_transferred(self, case: _Case, reply: str) -> None:
        rng = self.rng
        who = self.handler(case.unit)
        natural = DEFAULT_UNIT_BY_CATEGORY[case.request.category]
        if natural != case.unit and natural not in (STATION_1, STATION_2):
            target = natural
            reason = _TRANSFER_REASONS[natural]
        else:
            target = STATION_2 if case.unit == STATION_1 else STATION_1
            reason = f"事发地属{_UNIT_NAMES[target]}辖区，转该所处理。"
        case.op(rng.uniform(5, 120), who, "claim")
        if rng.random() < 0.4:
            case.op(rng.uniform(1, 30), who, "accept")
        if rng.random() < 0.3:
            case.op(rng.uniform(5, 60), who, "note", body=rng.choice(_NOTES))
        case.op(rng.uniform(10, 240), who, "transfer", to_unit_id=target, reason=reason)
        if rng.random() < 0.3:
            # Written up after the case had already left: recorded as a late note.
            case.op(rng.uniform(5, 60), who, "note", body="补记：已电话告知当事人案件已转相关单位办理。")
        roll = rng.random()
        if roll < 0.35:
            return  # waits unclaimed in the new unit
        new = self.handler(target)
        self._start(case, new)
        if roll < 0.6:
            case.op(rng.uniform(5, 60), new, "set_status", to="in_progress", reason="")
        else:
            self._close(case, new, reply)

    def maybe_offline(self, case: _Case) -> None:
        """The officer's ops after the claim went out on a dead link, in one batch."""
        steps = case.steps
        if len(steps) < 2 or steps[0].op != "claim":
            return
        who = steps[0].who
        last = 0
        for i in range(1, len(steps)):
            if steps[i].who != who:
                break
            last = i
        if last >= 1:
            case.go_offline(1, last, self.rng.uniform(60, 900))

    # -- output

    def events(self) -> list[DemoEvent]:
        keyed: list[tuple[datetime, int, int, DemoEvent]] = []
        for c, case in enumerate(self.cases):
            for s, event in enumerate(case.events()):
                keyed.append((event.at, c, s, event))
        keyed.sort(key=lambda k: k[:3])
        return [k[3] for k in keyed]


_TEMPLATE_BODIES = {i: b for i, _, b in _TEMPLATES}
_UNIT_NAMES = {i: n for i, n, _, _ in _UNITS}


def demo_events(now: datetime) -> Iterator[Intake | Action | CitizenEvent]:
    """The demo's cases and everything done to them, in time order, all at or before `now`.

    The same `now` always yields the same events.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    gen = _Generator(now)
    gen.story_cases()
    gen.bulk(BULK_CASES)
    yield from gen.events()


def citizen_case(rng: random.Random, now: datetime) -> IntakeRequest:
    """One new realistic case received at `now`, for the demo's citizen simulator."""
    category, kind, item, title, body, _ = rng.choice(_CASE_TEXTS)
    citizen = _citizen(rng)
    details = _details(rng, now, citizen)
    unit_id = rng.choices([STATION_1, STATION_2, None], [50, 30, 20])[0]
    return IntakeRequest(
        kind=kind, category=category, service_item_id=item,
        channel=rng.choices(CHANNELS, _CHANNEL_WEIGHTS)[0],
        title=title.format(**details), body=body.format(**details),
        citizen=citizen, unit_id=unit_id, received_at=now,
    )
