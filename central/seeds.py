"""Seed data for the reference central server: reference data and the demo story.

Two seeds use this module. `empty` loads the unit tree, the accounts, the service items,
the reply templates and the policy table. `demo` loads the same and then replays
`demo_events(now)`: a few hundred citizens' cases received over the last ~60 days,
worked by the officers below through the server's own op engine, so every case reaches
its state the way a real one would.

Accounts (every password is `demo-pass`):

- 清源派出所 (STATION_1, `qx-qy`): `chief1` 张建国 (所长, supervisor), `officer1` 李明,
  `officer2` 王芳, `liuyang` 刘洋, `zhaolei` 赵磊. `officer1` holds 20-40 open cases.
- 徐沟派出所 (STATION_2, `qx-xg`, a rural link): `chief2` 陈志强 (supervisor),
  `officer3` 杨帆, `sunjie` 孙杰, `zhoujing` 周静.
- 交警大队秩序科 (TRAFFIC_SECTION): `traffic_chief` 高建军, `traffic1` 韩冬, `traffic2` 冯雪.
- 出入境管理科 (EXIT_ENTRY_SECTION): `exit_chief` 梁晓燕, `exit1` 宋佳.
- every other station and section has a supervisor and an officer (see `officers()`).

The story cases (refs are stable, tests look for them):

- `story-traffic-fine`: the out-of-province truck driver whose year-old traffic fine was
  paid in cash to a restaurant owner. officer1 claims, accepts, phones him back, refers
  the ticket to the traffic order section; traffic1 records the lookup (never paid: a
  fraud), phones him with the result and replies with how to pay from home and a fraud
  warning; he writes back thanks, the case is closed and he rates it five stars.
- `story-taiwan-travel`: "what do I need to travel to Taiwan, is solo travel accepted?",
  answered by exit1 within ten minutes with the office's phone, Weibo and WeChat.
- `story-special-trade-permit`: a special-trade permit consultation that gets a written
  reply from officer1, then a phone call, and five stars.
- `story-offline-on-time`: officer3 on 徐沟's rural link answers a consultation offline
  before its reply clock runs out; the link returns after the due time, so the server
  reports the reply as "late, done offline on time".
- `story-markup-img`, `story-markup-link`: citizens who pasted text that looks like HTML;
  clients must show it as plain text.

Everything is deterministic: `demo_events(now)` draws from a `random.Random` with a fixed
seed and places every time relative to `now`, never the wall clock. Citizens' names,
phone numbers and ID numbers are invented (ID numbers carry valid check digits).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Literal, cast

from central.calendar_seed import build_calendar
from desk import rules
from desk.wire import (
    Citizen,
    CitizenEventRequest,
    IntakeRequest,
    Policy,
    PolicyClock,
    ServiceItem,
    Template,
    Unit,
)
from desk.worktime import Calendar

DEMO_PASSWORD = "demo-pass"
DEMO_SEED = 20261126
# The calendar's zone (no DST), for placing story cases at a local time of day.
BEIJING = timezone(timedelta(hours=8))

# ---------------------------------------------------------------- units

PROVINCE = "sxgat"
CITY_TAIYUAN = "ty"
COUNTY_BUREAU = "qx"
STATION_1 = "qx-qy"
STATION_2 = "qx-xg"
STATION_DONGYU = "qx-dy"
STATION_MENGFENG = "qx-mf"
TRAFFIC_SECTION = "qx-jjzx"
EXIT_ENTRY_SECTION = "qx-crj"
PUBLIC_ORDER_SECTION = "qx-za"
CYBER_SECTION = "ty-wa"
NARCOTICS_SECTION = "ty-jd"
LEGAL_SECTION = "ty-fz"
BORDER_SECTION = "sx-bj"
AIRPORT_SECTION = "sx-mh"

_UNITS: tuple[tuple[str, str, str | None, str], ...] = (
    (PROVINCE, "山西省公安厅", None, "province"),
    (BORDER_SECTION, "太原出入境边防检查站", PROVINCE, "section"),
    (AIRPORT_SECTION, "太原武宿国际机场公安局", PROVINCE, "section"),
    (CITY_TAIYUAN, "太原市公安局", PROVINCE, "city"),
    (CYBER_SECTION, "网络安全保卫支队", CITY_TAIYUAN, "section"),
    (NARCOTICS_SECTION, "禁毒支队", CITY_TAIYUAN, "section"),
    (LEGAL_SECTION, "法制支队", CITY_TAIYUAN, "section"),
    (COUNTY_BUREAU, "清徐县公安局", CITY_TAIYUAN, "county"),
    (STATION_1, "清源派出所", COUNTY_BUREAU, "station"),
    (STATION_2, "徐沟派出所", COUNTY_BUREAU, "station"),
    (STATION_DONGYU, "东于派出所", COUNTY_BUREAU, "station"),
    (STATION_MENGFENG, "孟封派出所", COUNTY_BUREAU, "station"),
    (TRAFFIC_SECTION, "交警大队秩序科", COUNTY_BUREAU, "section"),
    (EXIT_ENTRY_SECTION, "出入境管理科", COUNTY_BUREAU, "section"),
    (PUBLIC_ORDER_SECTION, "治安管理大队", COUNTY_BUREAU, "section"),
    ("yq", "阳曲县公安局", CITY_TAIYUAN, "county"),
    ("yq-hz", "黄寨派出所", "yq", "station"),
    ("yq-dy", "大盂派出所", "yq", "station"),
    ("xd", "小店分局", CITY_TAIYUAN, "county"),
    ("xd-wc", "坞城派出所", "xd", "station"),
    ("xd-py", "平阳路派出所", "xd", "station"),
    ("dt", "大同市公安局", PROVINCE, "city"),
    ("dt-pc", "平城分局", "dt", "county"),
    ("dt-pc-xj", "新建南路派出所", "dt-pc", "station"),
    ("dt-pc-bg", "北关派出所", "dt-pc", "station"),
    ("dt-yg", "阳高县公安局", "dt", "county"),
    ("dt-yg-lq", "龙泉派出所", "dt-yg", "station"),
)

DEFAULT_UNIT_BY_CATEGORY: dict[str, str] = {
    "户政": STATION_1,
    "出入境": EXIT_ENTRY_SECTION,
    "交警": TRAFFIC_SECTION,
    "治安": STATION_1,
    "消防": STATION_2,
    "技防": PUBLIC_ORDER_SECTION,
    "网警": CYBER_SECTION,
    "禁毒": NARCOTICS_SECTION,
    "法制": LEGAL_SECTION,
    "边防检查": BORDER_SECTION,
    "民航公安": AIRPORT_SECTION,
}
CATEGORIES: tuple[str, ...] = tuple(DEFAULT_UNIT_BY_CATEGORY)
CHANNELS: tuple[str, ...] = ("门户网站", "热线电话", "短信", "手机网站", "微博", "微信")
# Stations whose officers work over an unreliable link: some of their ops arrive late.
RURAL_UNITS = frozenset({STATION_2, STATION_DONGYU, STATION_MENGFENG, "yq-hz", "yq-dy", "dt-yg-lq"})


def units() -> list[Unit]:
    return [Unit(id=i, name=n, parent_id=p, kind=k) for i, n, p, k in _UNITS]


# ---------------------------------------------------------------- accounts


@dataclass(frozen=True)
class SeedOfficer:
    id: str
    username: str
    password: str
    name: str
    badge_no: str
    unit_id: str
    roles: tuple[str, ...]


_SUP = ("officer", "supervisor")
_OFF = ("officer",)
_OFFICERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("chief1", "张建国", STATION_1, _SUP),
    ("officer1", "李明", STATION_1, _OFF),
    ("officer2", "王芳", STATION_1, _OFF),
    ("liuyang", "刘洋", STATION_1, _OFF),
    ("zhaolei", "赵磊", STATION_1, _OFF),
    ("chief2", "陈志强", STATION_2, _SUP),
    ("officer3", "杨帆", STATION_2, _OFF),
    ("sunjie", "孙杰", STATION_2, _OFF),
    ("zhoujing", "周静", STATION_2, _OFF),
    ("dy_chief", "郭永红", STATION_DONGYU, _SUP),
    ("wuhao", "吴浩", STATION_DONGYU, _OFF),
    ("mf_chief", "贾海军", STATION_MENGFENG, _SUP),
    ("mali", "马丽", STATION_MENGFENG, _OFF),
    ("traffic_chief", "高建军", TRAFFIC_SECTION, _SUP),
    ("traffic1", "韩冬", TRAFFIC_SECTION, _OFF),
    ("traffic2", "冯雪", TRAFFIC_SECTION, _OFF),
    ("exit_chief", "梁晓燕", EXIT_ENTRY_SECTION, _SUP),
    ("exit1", "宋佳", EXIT_ENTRY_SECTION, _OFF),
    ("za_chief", "董伟", PUBLIC_ORDER_SECTION, _SUP),
    ("za1", "田野", PUBLIC_ORDER_SECTION, _OFF),
    ("qx_duty", "任志刚", COUNTY_BUREAU, _SUP),
    ("qx1", "许亮", COUNTY_BUREAU, _OFF),
    ("hz_chief", "白文斌", "yq-hz", _SUP),
    ("hz1", "常宇", "yq-hz", _OFF),
    ("yqdy_chief", "乔红梅", "yq-dy", _SUP),
    ("yqdy1", "武鹏", "yq-dy", _OFF),
    ("wc_chief", "范国庆", "xd-wc", _SUP),
    ("wc1", "曹晶", "xd-wc", _OFF),
    ("py_chief", "段卫东", "xd-py", _SUP),
    ("py1", "邵琳", "xd-py", _OFF),
    ("wa_chief", "薛海涛", CYBER_SECTION, _SUP),
    ("wa1", "姚晨", CYBER_SECTION, _OFF),
    ("jd_chief", "阎振华", NARCOTICS_SECTION, _SUP),
    ("jd1", "郝斌", NARCOTICS_SECTION, _OFF),
    ("fz_chief", "潘玉兰", LEGAL_SECTION, _SUP),
    ("fz1", "卢凯", LEGAL_SECTION, _OFF),
    ("bj_chief", "石建华", BORDER_SECTION, _SUP),
    ("bj1", "毛宁", BORDER_SECTION, _OFF),
    ("mh_chief", "侯俊杰", AIRPORT_SECTION, _SUP),
    ("mh1", "邱欢", AIRPORT_SECTION, _OFF),
    ("xj_chief", "庞立新", "dt-pc-xj", _SUP),
    ("xj1", "温婷", "dt-pc-xj", _OFF),
    ("bg_chief", "贺永强", "dt-pc-bg", _SUP),
    ("bg1", "苗雪", "dt-pc-bg", _OFF),
    ("lq_chief", "岳海军", "dt-yg-lq", _SUP),
    ("lq1", "殷浩", "dt-yg-lq", _OFF),
)


def _officer_id(username: str) -> str:
    return f"o-{username}"


def officers() -> list[SeedOfficer]:
    return [
        SeedOfficer(
            id=_officer_id(username),
            username=username,
            password=DEMO_PASSWORD,
            name=name,
            badge_no=f"140105{101 + i:04d}",
            unit_id=unit_id,
            roles=roles,
        )
        for i, (username, name, unit_id, roles) in enumerate(_OFFICERS)
    ]


# ---------------------------------------------------------------- service items

_FULL, _PART, _APPT = "fully_online", "partly_online", "appointment"
_SERVICE_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    ("hz-qr", "户政", "户口迁移（迁入）登记", _PART),
    ("hz-sfz", "户政", "居民身份证换领、补领", _APPT),
    ("hz-jd", "户政", "居民身份证办理进度查询", _FULL),
    ("hz-cs", "户政", "新生儿出生登记", _PART),
    ("hz-zm", "户政", "户籍证明开具", _FULL),
    ("hz-jzz", "户政", "居住证申领", _PART),
    ("crj-tw", "出入境", "往来台湾通行证及签注", _APPT),
    ("crj-hz", "出入境", "普通护照申领", _APPT),
    ("crj-ga", "出入境", "往来港澳通行证再次签注", _FULL),
    ("crj-jd", "出入境", "出入境证件办理进度查询", _FULL),
    ("crj-wg", "出入境", "境外人员临时住宿登记", _FULL),
    ("jj-hz", "交警", "机动车驾驶证期满换证", _PART),
    ("jj-wf", "交警", "交通违法处理及罚款缴纳", _FULL),
    ("jj-jy", "交警", "机动车检验标志核发", _PART),
    ("jj-ks", "交警", "机动车驾驶人考试预约", _APPT),
    ("jj-sg", "交警", "交通事故认定复核", _PART),
    ("za-tzhy", "治安", "特种行业许可证核发", _PART),
    ("za-yq", "治安", "养犬登记", _PART),
    ("za-dxhd", "治安", "大型群众性活动安全许可", _PART),
    ("za-jd", "治安", "剧毒化学品购买许可", _PART),
    ("za-wfz", "治安", "无犯罪记录证明开具", _FULL),
    ("za-bjd", "治安", "保安服务公司设立许可", _PART),
    ("xf-jc", "消防", "公众聚集场所投入使用前消防安全检查", _PART),
    ("xf-jb", "消防", "消防安全隐患举报", _FULL),
    ("xf-ys", "消防", "建设工程消防验收备案", _PART),
    ("xf-px", "消防", "消防宣传培训预约", _APPT),
    ("jf-sh", "技防", "技防工程设计方案审核", _PART),
    ("jf-ys", "技防", "技防设施竣工验收", _PART),
    ("jf-ba", "技防", "安防企业备案", _FULL),
    ("wj-ba", "网警", "网站及APP公安联网备案", _FULL),
    ("wj-jb", "网警", "网络违法犯罪举报", _FULL),
    ("wj-db", "网警", "网络安全等级保护备案", _PART),
    ("jd-jb", "禁毒", "毒品违法犯罪线索举报", _FULL),
    ("jd-gm", "禁毒", "第二、三类易制毒化学品购买备案", _PART),
    ("jd-ys", "禁毒", "易制毒化学品运输许可", _PART),
    ("jd-xc", "禁毒", "禁毒宣传进校园预约", _APPT),
    ("fz-fy", "法制", "行政复议申请", _PART),
    ("fz-ts", "法制", "执法监督投诉", _FULL),
    ("fz-gk", "法制", "政府信息公开申请", _FULL),
    ("bj-txz", "边防检查", "边境管理区通行证", _PART),
    ("bj-zx", "边防检查", "出入境边防检查咨询", _FULL),
    ("bj-cb", "边防检查", "船舶搭靠许可", _PART),
    ("mh-ls", "民航公安", "临时乘机身份证明", _FULL),
    ("mh-yw", "民航公安", "机场遗失物品查询", _FULL),
    ("mh-txz", "民航公安", "机场控制区通行证", _PART),
)


def service_items() -> list[ServiceItem]:
    return [ServiceItem(id=i, category=c, name=n, mode=m) for i, c, n, m in _SERVICE_ITEMS]


# ---------------------------------------------------------------- reply templates

_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("tpl-ack", "已收到，正在办理",
     "您好！您反映的问题我所已收到，已安排民警办理，办理结果将及时答复您。"
     "如有疑问请拨打我所值班电话0351-5722110。感谢您对公安工作的支持！"),
    ("tpl-hukou-move", "户口迁入所需材料",
     "您好！办理户口迁入需携带：1.迁入地户口簿；2.本人居民身份证；3.房屋产权证明或与户主关系证明；"
     "4.省外迁入的需提供迁出地开具的户口迁移证（省内迁移实行“一站式”办理，无需回原籍开具）。"
     "请于工作日到派出所户籍窗口办理，也可在网上预约。"),
    ("tpl-taiwan", "赴台旅游证件办理",
     "您好！赴台旅游需办理往来台湾通行证及相应签注。目前山西居民可申请团队旅游签注，"
     "个人旅游签注暂未开放。请携带身份证到出入境管理科窗口办理，办理时限10个工作日。"
     "咨询电话0351-5723866，也可关注“清徐出入境”微博、微信公众号查询。"),
    ("tpl-fine-pay", "罚款缴纳方式与防诈骗提示",
     "您好！经查，您名下的交通违法罚款尚未缴纳。您可通过“交管12123”APP或全国任一交警"
     "违法处理窗口缴纳，逾期每日加处罚款数额3%的滞纳金（不超过罚款本数）。"
     "请注意：交通罚款只能本人通过官方渠道缴纳，切勿将现金交给他人代缴，谨防诈骗。"),
    ("tpl-tip-received", "线索已收到，正在核查",
     "您好！您提供的线索已收到，我们已安排民警进行核查，将依法处理。"
     "我们会对举报人信息严格保密，感谢您的支持与配合！"),
    ("tpl-need-material", "请补充材料",
     "您好！您提交的材料不齐全，请补充上传以下材料后我们继续办理：{材料清单}。"
     "补充材料期间办理时限暂停计算。"),
    ("tpl-idcard-progress", "身份证办理进度",
     "您好！经查询，您的居民身份证已制证完成，已寄送至受理派出所，"
     "请携带受理回执到户籍窗口领取，领取时间为工作日8:30-12:00、14:30-17:30。"),
    ("tpl-not-ours", "非公安机关职责",
     "您好！您反映的事项不属于公安机关职责范围，建议您向相关部门反映：{部门及电话}。感谢您的理解！"),
    ("tpl-callback-done", "回访记录",
     "已电话回访当事人，告知办理结果，当事人表示理解并满意。"),
    ("tpl-special-trade", "特种行业许可证办理",
     "您好！开办旅馆、印章刻制等特种行业须取得特种行业许可证。需提交：1.申请登记表；"
     "2.营业执照复印件；3.法定代表人身份证明；4.经营场所产权证明或租赁合同；"
     "5.消防安全检查合格证明；6.治安保卫制度和从业人员名单。材料齐全后20个工作日内审批。"),
    ("tpl-noise", "噪音扰民处理",
     "您好！我所已派民警到现场处置，对经营者进行了批评教育并责令其22时后停止室外经营，"
     "后续将加强巡查。如再次发生请拨打110。"),
)


def templates() -> list[Template]:
    return [Template(id=i, title=t, body=b) for i, t, b in _TEMPLATES]


# ---------------------------------------------------------------- policy


def policy() -> list[Policy]:
    def row(kind: str, name: str, *clocks: tuple[str, int, str]) -> Policy:
        return Policy(
            kind=kind,
            name=name,
            clocks=[PolicyClock(clock=c, limit=n, unit=u) for c, n, u in clocks],
        )

    return [
        row("application", "业务申办", ("accept", 1, "working_day")),
        row("consultation", "业务咨询", ("reply", 2, "working_day")),
        row("tip", "线索举报", ("reply", 5, "working_day")),
        row("appeal", "民生诉求", ("reply", 2, "working_day")),
        row("mailbox", "厅长信箱", ("reply", 5, "working_day")),
        row("petition", "网上信访", ("accept", 15, "calendar_day"), ("close", 60, "calendar_day")),
    ]


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


# ---- invented citizens


_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟段雷"
    "武乔贺常温霍牛"
)
_GIVEN = (
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "晓燕", "海燕",
    "红梅", "玉兰", "俊杰", "子涵", "浩然", "欣怡", "宇航", "鹏", "瑞", "婷", "雪", "慧", "斌",
    "宁", "亮", "博文", "凯", "燕", "丹", "佳琪", "晨", "浩", "欢", "晶", "琳", "保平", "二虎",
    "文龙", "春生", "秋菊", "润生", "翠兰", "满仓", "晋生", "海平", "向东",
)
# Shanxi county codes (14xxxx) for invented ID numbers.
_REGIONS = (
    "140121", "140121", "140121", "140105", "140106", "140107", "140108", "140109",
    "140110", "140122", "140123", "140181", "140213", "140221", "140302", "140702",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of an ID number's first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=False)) % 11]


def id_number_valid(id_number: str) -> bool:
    return (
        len(id_number) == 18
        and id_number[:17].isdigit()
        and id_check_digit(id_number[:17]) == id_number[17]
    )


def _id_number(rng: random.Random, region: str | None = None) -> str:
    born = date(1952, 1, 1) + timedelta(days=rng.randrange(0, 365 * 53))
    first17 = f"{region or rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_digit(first17)


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(("13", "15", "18"))
    return f"{prefix}{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}"


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _citizen(rng: random.Random) -> Citizen:
    return Citizen(name=_person_name(rng), phone=_phone(rng), id_number=_id_number(rng))


_STREETS = ("文源路", "迎宾路", "新华街", "东湖路", "西环路", "长治路", "水秀街", "龙山大街",
            "晋祠路", "平阳路", "清泉街", "马峪乡政府街")
_VILLAGES = ("东于村", "孟封村", "西谷村", "王答村", "柳杜村", "杨房村", "仁义村", "尧城村",
             "集义村", "北营村", "高花村", "南社村")
_ORIGINS = ("河北省石家庄市", "河南省焦作市", "陕西省西安市", "内蒙古呼和浩特市",
            "山西省吕梁市", "山西省长治市", "山西省运城市", "山东省菏泽市")
_SHOPS = ("老王烧烤", "好再来饭店", "顺心棋牌室", "星光KTV", "宏达五金店", "鑫源网吧",
          "如家快捷宾馆", "金太阳洗浴中心", "阿强大排档")
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _plate(rng: random.Random) -> str:
    tail = "".join(rng.choice(_PLATE_LETTERS + "0123456789") for _ in range(4))
    return f"晋A{rng.choice(_PLATE_LETTERS)}{tail}"


def _details(rng: random.Random, now: datetime, citizen: Citizen) -> dict[str, str]:
    past = (now - timedelta(days=rng.randrange(5, 200))).astimezone(BEIJING)
    return {
        "name": citizen.name,
        "phone": citizen.phone,
        "id": citizen.id_number,
        "addr": f"清徐县{rng.choice(_STREETS)}{rng.randrange(1, 300)}号",
        "village": rng.choice(_VILLAGES),
        "origin": rng.choice(_ORIGINS),
        "shop": rng.choice(_SHOPS),
        "plate": _plate(rng),
        "date": f"{past.year}年{past.month}月{past.day}日",
        "amount": str(rng.choice((860, 1500, 2980, 4600, 12000, 36800))),
        "ticket": f"1401211{rng.randrange(0, 10**9):09d}",
        "scam_phone": f"0{rng.choice(('21', '755', '20', '10'))}{rng.randrange(10**7, 10**8)}",
        "order": f"{rng.randrange(10**17, 10**18)}",
    }


# ---- case texts: (category, kind, service item, title, body, reply)

_CASE_TEXTS: tuple[tuple[str, str, str | None, str, str, str], ...] = (
    # 户政
    ("户政", "application", "hz-qr", "申请户口迁入（投靠配偶）",
     "本人{name}，身份证号{id}，与配偶于{date}登记结婚，现申请将户口从{origin}迁入配偶户内，"
     "住址{addr}。结婚证、户口簿、房产证照片已上传，请审核。联系电话{phone}。",
     "您好！您的户口迁入申请材料已初审通过，请携带结婚证、户口簿原件于工作日到户籍窗口办理。"),
    ("户政", "consultation", "hz-qr", "咨询户口迁移需要哪些材料",
     "您好，我在清徐买了房，房产证已经下来了，想把户口从{origin}迁过来，请问需要带哪些材料？"
     "是不是还要先回老家开准迁证？我电话{phone}。",
     "您好！办理户口迁入需携带迁入地房产证、本人身份证和户口簿。省内迁移实行一站式办理，"
     "跨省迁移需先在我所开具准迁证，再回原籍办理迁出。"),
    ("户政", "consultation", "hz-jd", "身份证办了一个多月还没收到领取短信",
     "我于{date}在派出所办理了身份证换领，回执上写20个工作日，现在一个多月了还没收到领取短信。"
     "身份证号{id}，麻烦帮忙查一下进度。",
     "您好！经查询，您的居民身份证已制证完成，已寄送至受理派出所，请携带受理回执到户籍窗口领取。"),
    ("户政", "application", "hz-jzz", "申领居住证",
     "本人{name}，户籍{origin}，在{addr}租房居住已满半年，在附近工厂上班，现申请办理居住证。"
     "租房合同和单位在职证明已上传。",
     "您好！您的居住证申请已受理，制证完成后将短信通知您到所领取。"),
    ("户政", "consultation", "hz-cs", "孩子出生一个月了，怎么上户口",
     "孩子{date}在太原妇幼出生，父亲是清徐户口，母亲户口在{origin}，请问新生儿落户要带什么，"
     "可以网上办吗？",
     "您好！新生儿出生登记可通过网上办理，需上传出生医学证明、父母身份证、户口簿和结婚证，"
     "审核通过后到户籍窗口领取户口簿。"),
    ("户政", "appeal", "hz-zm", "给老人开户籍证明跑了三趟还没开成",
     "我父亲八十多岁，银行让开户籍证明证明他和我的关系，我已经跑了三趟派出所，"
     "每次都说缺材料，每次说的还不一样。希望能一次性告知，老人身体不好经不起折腾。",
     "您好！非常抱歉给您带来不便。亲属关系证明可由您本人代办，携带双方身份证和户口簿即可，"
     "我们已安排户籍民警与您电话联系，预约后可当场开具。"),
    ("户政", "petition", "hz-qr", "户口被错误注销，多次反映未解决",
     "我的户口在{date}被注销，理由是重复户口，但我只有这一个户口。现在办不了社保和银行卡，"
     "已经反映过多次没有结果，请上级部门督促解决。身份证号{id}。",
     "您好！经核查，您的户口系信息比对时误注销，现已恢复，请携带身份证到户籍窗口核对信息。"),
    # 出入境
    ("出入境", "application", "crj-hz", "申请办理普通护照（首次）",
     "本人{name}，计划明年出国探亲，首次申请普通护照，已在网上填写申请表并上传照片，请安排办理。",
     "您好！您的护照申请已受理，请按预约时间携带身份证到出入境管理科窗口采集指纹。"),
    ("出入境", "consultation", "crj-jd", "港澳通行证办了两周还没拿到",
     "我{date}办理的往来港澳通行证，说是7个工作日，现在两周了还没有短信通知，"
     "下个月要去香港，着急，麻烦查一下。电话{phone}。",
     "您好！经查询，您的证件已制作完成，已于昨日寄到出入境管理科，可携带回执领取。"),
    ("出入境", "consultation", "crj-ga", "港澳签注可以在网上续签吗",
     "我的港澳通行证还有两年有效期，签注用完了，请问能不能在网上直接续签？需要本人去吗？",
     "您好！持电子往来港澳通行证可通过“移民局12367”APP或自助签注机办理再次签注，无需本人到窗口。"),
    ("出入境", "tip", "crj-wg", "小区有外国人疑似非法居留务工",
     "{addr}附近的出租屋里住了几个外国人，在附近工地干活快半年了，没见他们办过登记，"
     "怀疑是非法居留、非法就业，请核查。",
     "您好！您提供的线索已收到，我们已会同辖区派出所开展核查，将依法处理。感谢您的支持！"),
    ("出入境", "mailbox", None, "建议出入境大厅周末开放",
     "我在太原上班，工作日请不下假，建议出入境办证大厅周末也开放半天，方便上班族。",
     "您好！感谢您的建议。自下月起出入境管理科每周六上午开放办证，并可网上预约。"),
    # 交警
    ("交警", "consultation", "jj-wf", "外地违章能在老家处理吗",
     "我的车{plate}上个月在河北被拍了违章，人已经回到清徐了，请问能在清徐交警队处理吗？",
     "您好！可以。机动车交通违法可在全国任一交警违法处理窗口或“交管12123”APP处理。"),
    ("交警", "appeal", "jj-hz", "驾驶证到期换证被锁定，急需处理",
     "我的驾驶证下个月到期，去换证时说有一条违法未处理被锁定，但我从来没在那个地方开过车，"
     "车牌{plate}，请帮忙核查。",
     "您好！经核查，该违法记录系套牌车辆所致，已提交撤销，撤销后即可正常换证。"),
    ("交警", "application", "jj-hz", "申请驾驶证期满换证",
     "本人驾驶证有效期即将届满，已在网上提交换证申请和体检证明，请审核。",
     "您好！您的换证申请已受理，新证将邮寄到您填写的地址。"),
    ("交警", "tip", None, "举报大货车夜间超载闯红灯",
     "最近每天晚上十一点以后，{addr}路口有拉煤的大货车超载闯红灯，车速很快，"
     "昨晚车牌{plate}差点撞到电动车，请交警管一管。",
     "您好！我们已安排夜间在该路口设卡检查，对超载、闯红灯车辆依法查处。感谢您的举报！"),
    ("交警", "mailbox", None, "建议路口增设左转信号灯",
     "{addr}十字路口早晚高峰左转车辆和直行车辆经常抢行，已经发生过好几次剐蹭，"
     "建议增设左转信号灯。",
     "您好！感谢您的建议，经实地勘查，已协调相关部门在该路口增设左转待转区和信号灯。"),
    ("交警", "petition", "jj-sg", "对交通事故认定结果有异议",
     "{date}我在{addr}被一辆车{plate}追尾，事故认定我负同等责任，我认为认定不公，"
     "已申请复核但一直没有结果。",
     "您好！您的复核申请已受理，复核结论将在法定期限内书面送达。"),
    # 治安
    ("治安", "appeal", None, "楼下烧烤店深夜噪音扰民",
     "{addr}楼下的{shop}每天营业到凌晨两三点，喝酒划拳声音很大，老人孩子都睡不好，"
     "打过几次电话也没改，请派出所管一管。",
     "您好！我所已派民警到现场处置，对经营者进行了批评教育并责令其22时后停止室外经营，"
     "后续将加强巡查。"),
    ("治安", "application", "za-yq", "养犬登记申请",
     "本人在{addr}饲养一只柯基犬，已打狂犬疫苗，现申请办理养犬登记，疫苗证明已上传。",
     "您好！您的养犬登记已受理，请于工作日到所领取犬牌。"),
    ("治安", "appeal", "za-yq", "邻居大型犬不拴绳吓到孩子",
     "{addr}邻居养了一条大狼狗，每天早上遛狗不拴绳，昨天追着我家孩子跑，孩子吓哭了。"
     "跟邻居说过不听，请派出所处理。",
     "您好！民警已上门对犬主进行了教育，责令其出户必须拴绳并办理养犬登记。"),
    ("治安", "consultation", "za-tzhy", "开宾馆需要办什么手续",
     "我准备在{addr}开一家二十间房的小宾馆，请问除了营业执照还需要在公安办什么许可？",
     "您好！开办旅馆须取得特种行业许可证，需提交营业执照、消防安全检查合格证明、"
     "经营场所证明、治安保卫制度等材料。"),
    ("治安", "tip", None, "举报有人聚众赌博",
     "{village}村口{shop}里每天晚上都有人打麻将赌钱，输赢好几千，影响很坏，请查处。",
     "您好！您提供的线索已收到，我所已组织警力核查，将依法处理，对举报人信息严格保密。"),
    ("治安", "consultation", "za-wfz", "无犯罪记录证明怎么开",
     "单位入职要求开无犯罪记录证明，我户口在清徐，人在太原，可以网上开吗？",
     "您好！可以通过网上办理，审核通过后可下载电子证明，与纸质证明具有同等效力。"),
    ("治安", "petition", None, "对邻里纠纷处理结果不满",
     "{date}我与邻居因宅基地发生纠纷被打伤，派出所只做了调解，对方至今没有赔偿，"
     "我要求依法处理打人者。",
     "您好！经复查，该案已依法立为治安案件，对违法行为人已作出行政处罚。"),
    # 消防
    ("消防", "tip", "xf-jb", "小区楼道堆放杂物、电动车在楼道充电",
     "{addr}小区三单元楼道堆满了纸箱杂物，还有人把电动车推进楼道充电，电线从窗户拉出来，"
     "太危险了，物业不管。",
     "您好！民警已会同社区到现场检查，督促物业清理了楼道杂物，对楼道充电行为进行了劝阻。"),
    ("消防", "consultation", "xf-jc", "开饭店需要消防检查吗",
     "我在{addr}租了个两百平的门面开饭店，请问开业前需要做消防安全检查吗？去哪里办？",
     "您好！公众聚集场所投入使用前需申请消防安全检查，可通过网上申请，并承诺符合消防安全要求。"),
    ("消防", "appeal", None, "小区消防通道被私家车长期占用",
     "{addr}小区的消防通道天天停满私家车，万一着火消防车根本进不来，请督促物业整改。",
     "您好！已联合消防救援站和物业对消防通道进行了清理，并施划了禁停标线。"),
    ("消防", "application", "xf-jc", "申请公众聚集场所消防安全检查",
     "{shop}拟于下月开业，营业面积约三百平方米，现申请投入使用前消防安全检查，相关材料已上传。",
     "您好！您的申请已受理，我们将在10个工作日内安排现场检查。"),
    # 技防
    ("技防", "consultation", "jf-ys", "小区监控改造如何申请技防验收",
     "我们小区新装了一百多个监控探头，物业问怎么申请技防验收，需要哪些资料？",
     "您好！技防设施竣工后，建设单位可在网上提交验收申请，附设计方案、施工合同和自检报告。"),
    ("技防", "application", "jf-sh", "申请技防工程设计方案审核",
     "我公司承建的农商银行营业网点技防工程设计方案已完成，现提交审核，方案文件已上传。",
     "您好！您的方案审核申请已受理，审核意见将在15个工作日内反馈。"),
    ("技防", "appeal", None, "小区监控坏了半年没人修",
     "{addr}小区大门口的监控坏了半年，上个月小区丢了好几辆电动车都查不到，请督促物业维修。",
     "您好！我所已约谈物业公司，监控已于本周修复，并接入派出所视频巡查平台。"),
    # 网警
    ("网警", "tip", "wj-jb", "举报电信诈骗：冒充客服让我转账",
     "我今天接到电话{scam_phone}，对方自称某购物平台客服，说我买的东西质量有问题要退款，"
     "让我下载一个APP共享屏幕，我被骗转账{amount}元。订单号{order}，请警察帮我追回。",
     "您好！您的报案线索已收到，已转反诈中心紧急止付，请您尽快携带身份证和转账记录到派出所做笔录。"),
    ("网警", "tip", "wj-jb", "举报网上散布拆迁谣言",
     "最近微信群里有人说{village}要整体拆迁，每人补偿五十万，还让大家交两千元“登记费”，"
     "明显是造谣骗钱，请核查。",
     "您好！经核查，该信息系谣言，发布者已被依法处理，请勿相信、勿转发，谨防诈骗。"),
    ("网警", "consultation", "wj-jb", "网购被骗三千元怎么报警",
     "我在二手平台买手机，付了钱对方就把我拉黑了，被骗三千元，请问怎么报警，能追回吗？",
     "您好！请携带身份证、聊天记录和转账凭证到就近派出所报案，也可拨打96110咨询。"),
    ("网警", "application", "wj-ba", "网站公安联网备案申请",
     "我公司网站已取得ICP备案，现申请公安联网备案，网站负责人{name}，电话{phone}。",
     "您好！您的备案申请已受理，审核通过后请在网站首页底部展示公安备案编号。"),
    ("网警", "mailbox", None, "建议加强老年人反诈宣传",
     "我母亲最近差点被“保健品返利”骗了，建议公安多到社区给老年人讲讲反诈知识。",
     "您好！感谢您的建议，我们将组织民警进社区开展反诈宣讲，并发放宣传资料。"),
    # 禁毒
    ("禁毒", "tip", "jd-jb", "举报出租屋疑似有人吸毒",
     "{addr}后院出租屋经常半夜有陌生人进出，屋里有怪味，还看见过锡纸和吸管，怀疑有人吸毒。",
     "您好！您提供的线索已收到，禁毒民警正在核查，对举报人信息严格保密。"),
    ("禁毒", "consultation", "jd-gm", "企业购买盐酸需要备案吗",
     "我们是一家化工企业，生产需要少量盐酸和硫酸，请问购买需要在公安备案吗？怎么办理？",
     "您好！盐酸、硫酸属第三类易制毒化学品，购买前须在网上进行购买备案，备案证明当场可下载打印。"),
    ("禁毒", "application", "jd-ys", "申请易制毒化学品运输许可",
     "我公司需从天津运输丙酮二十吨至清徐厂区，现申请运输许可，车辆{plate}，相关材料已上传。",
     "您好！您的运输许可申请已受理，将在3个工作日内完成审批。"),
    # 法制
    ("法制", "consultation", "fz-fy", "对罚款不服怎么申请复议",
     "我被罚款五百元，觉得处罚过重，请问申请行政复议有期限吗？向哪个部门申请？",
     "您好！可自收到处罚决定书之日起60日内向作出决定机关的上一级公安机关或同级人民政府申请复议。"),
    ("法制", "mailbox", "fz-ts", "反映民警出警态度差",
     "{date}我家被盗报警，出警民警态度很不耐烦，也没说后续怎么处理，希望厅领导重视。",
     "您好！经核查，出警民警存在解释不到位的问题，已对其进行批评教育，案件已由专人跟进。"),
    ("法制", "petition", "fz-fy", "对行政处罚决定不服",
     "{date}我因与人发生口角被行政拘留五日，我认为对方先动手，处罚不公，申请重新处理。",
     "您好！您的诉求已转法制部门审核，经复查原处罚决定事实清楚、程序合法，依法予以维持。"),
    ("法制", "application", "fz-gk", "申请公开交通事故处理相关信息",
     "本人申请公开{date}发生在{addr}的交通事故处理相关信息，用于民事诉讼。",
     "您好！您的申请已受理，将在20个工作日内书面答复。"),
    # 边防检查
    ("边防检查", "consultation", "bj-zx", "从太原机场出境要提前多久到",
     "下周从武宿机场坐国际航班出境，请问要提前多久到机场？边检需要准备什么？",
     "您好！建议提前3小时到达机场，持有效护照、签证和登机牌办理边检手续，可使用自助通道。"),
    ("边防检查", "application", "bj-txz", "申请边境管理区通行证",
     "本人需前往内蒙古二连浩特边境管理区出差，现申请边境管理区通行证。",
     "您好！您的申请已受理，证件可在网上申请后到窗口当场领取。"),
    ("边防检查", "appeal", None, "出境排队时间太长",
     "昨天早上从太原机场出境，边检只开了两个通道，排了快一个小时，差点误机，希望增加通道。",
     "您好！感谢您的反馈，早高峰已增开查验通道，并开放自助查验通道。"),
    # 民航公安
    ("民航公安", "consultation", "mh-ls", "身份证丢了怎么坐飞机",
     "我明天一早的航班，刚发现身份证丢了，请问还能坐飞机吗？",
     "您好！可在机场公安临时乘机证明办理点或通过“铁路12306/民航”小程序申请临时乘机证明。"),
    ("民航公安", "appeal", "mh-yw", "在机场丢失行李箱",
     "{date}在武宿机场T2到达厅丢了一个黑色行李箱，里面有重要合同，请帮忙查找。电话{phone}。",
     "您好！经调取监控，您的行李箱被其他旅客误拿，已联系对方归还，请到机场派出所领取。"),
    ("民航公安", "tip", None, "机场附近有人放飞无人机",
     "这几天傍晚在机场东边{village}附近总有人放无人机，飞得很高，离跑道不远，怕影响飞机安全。",
     "您好！机场公安已出警处置，对违规放飞人员依法予以处罚，感谢您的举报。"),
)


# ---- what officers write

_NOTES = (
    "已电话联系当事人核实基本情况，情况属实。",
    "已调取辖区视频监控，正在比对。",
    "已与社区网格员联系，约定明日上门核查。",
    "经查询系统，当事人信息与申请材料一致。",
    "已向所领导汇报，按程序办理。",
    "当事人电话无人接听，已发送短信提醒其回电。",
    "已到现场查看，情况与反映基本一致，拍照留存。",
    "已与相关部门沟通，等待对方反馈意见。",
)
_WAIT_REASONS = {
    "户政": ("请补充上传房产证复印件及户口簿首页。", "请补充出生医学证明原件照片。"),
    "出入境": ("请补充上传近期免冠证件照（白底）。",),
    "交警": ("请补充处罚决定书照片及驾驶证正反面。", "请补充事故现场照片和保险单。"),
    "治安": ("请补充营业执照和经营场所租赁合同。", "请补充犬只免疫证明。"),
}
_WAIT_DEFAULT = ("请补充相关证明材料后继续办理。", "请提供详细地址和联系人，以便民警上门核查。")
_CITIZEN_FOLLOWUPS = (
    "材料已经补充上传了，请查收。",
    "我把照片重新拍了一遍传上去了，麻烦再看看。",
    "补充的证明已上传，地址是我家门牌号，白天都有人。",
)
_THANKS = (
    "谢谢民警同志，问题解决了！",
    "收到，非常感谢，辛苦了。",
    "好的，明白了，谢谢。",
)
_CALLBACKS_REACHED = (
    "电话回访当事人，告知办理结果，当事人表示满意。",
    "回访当事人，对方表示问题已解决，对民警工作表示感谢。",
    "电话告知当事人处理进展及后续注意事项，当事人表示理解。",
)
_CALLBACKS_MISSED = {
    "no_answer": "回访电话无人接听，稍后再联系。",
    "busy": "回访电话占线，稍后再联系。",
    "wrong_number": "回访电话为空号，已发送短信请其核对联系方式。",
    "refused": "当事人拒绝接听回访电话。",
}
_DECLINE_REASONS = (
    "该事项不属于公安机关职责范围，请向市场监管部门反映（12315）。",
    "申请材料不全，经三次电话联系未果，请补齐材料后重新提交。",
    "重复提交，该事项已在前一件中办理，请关注原件办理进度。",
    "所反映问题已进入诉讼程序，依法不予受理。",
)
_URGES = (
    "该件即将超期，请抓紧办理并及时答复群众。",
    "已超期，请今天下班前答复并说明原因。",
    "群众多次来电催问，请优先办理。",
)
_RATING_COMMENTS = {
    5: ("民警办事效率高，态度好！", "回复很及时，点赞！", "问题解决了，谢谢派出所。", ""),
    4: ("总体满意，就是等的时间有点长。", "答复清楚，希望以后能更快一些。", ""),
    3: ("问题解决了一半，还得自己再跑一趟。", "答复有点笼统。"),
    2: ("打了三次电话才有人回复，效率太低。", "说好回电话，一直没回。"),
    1: ("答复敷衍，问题根本没有解决！", "推来推去，没人管。"),
}
_TRANSFER_REASONS = {
    TRAFFIC_SECTION: "涉及交通违法记录查询和处理，转交警大队秩序科办理。",
    EXIT_ENTRY_SECTION: "属出入境证件业务，转出入境管理科答复。",
    CYBER_SECTION: "涉网络违法犯罪线索，转网安支队研判。",
    NARCOTICS_SECTION: "涉毒线索，转禁毒支队核查。",
    LEGAL_SECTION: "涉及执法监督和复议事项，转法制支队办理。",
    PUBLIC_ORDER_SECTION: "属治安许可事项，转治安管理大队办理。",
    BORDER_SECTION: "属边防检查业务，转出入境边防检查站答复。",
    AIRPORT_SECTION: "发生在机场区域，转机场公安局办理。",
}


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
    # Some cases carry real small files (central/seed_files.py).
    from central.seed_files import with_files

    yield from with_files(gen.events())


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
