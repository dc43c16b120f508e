"""Reference data for the seeds: the unit tree, the accounts, the service items, the
reply templates and the policy table (what the `empty` seed loads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

from desk.wire import (
    Policy,
    PolicyClock,
    ServiceItem,
    Template,
    Unit,
)

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
