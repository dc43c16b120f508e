"""The Simplified Chinese wording of Desk's interface, applied to the .ts file.

    python scripts/zh_cn_terms.py   # after scripts/build_translations.py --update

Kept as data so a reviewer can read every term in one place; the .ts stays the catalogue
Qt Linguist edits. Plural forms (%n) have a single form in Chinese.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "translations" / "desk_zh_CN.ts"

TERMS = {
    "%n minute(s)": "%n 分钟", "Now: %1": "现为：%1", "To: %1": "转至：%1",
    "Score: %1 / 5": "评分：%1 / 5", "SMS notice sent": "已发送短信提示",
    "%n working day(s)": "%n 个工作日", "%n day(s)": "%n 天", "%n hour(s)": "%n 小时",
    "%1 overdue": "超期 %1", "%1 left": "剩余 %1",
    "Started %1; the limit is %2.": "%1 开始计时，时限 %2。",
    "holiday (%1)": "节假日（%1）", "holiday": "节假日", "weekend": "周末",
    "%1 to %2": "%1 至 %2", "Not counted: %1, %2.": "不计入：%1，%2。",
    "Counted: %1, an adjusted working day": "计入：%1，调休上班", ".": "。",
    "Paused while waiting for the citizen: %1 to %2.": "等待群众补充材料期间暂停：%1 至 %2。",
    "Paused while waiting for the citizen since %1.": "自 %1 起等待群众补充材料，暂停计时。",
    "%1's holiday schedule is not published yet: weekends only, provisional.":
        "%1 年节假日安排尚未公布：暂按周末计算，期限为暂定。",
    "Stopped %1 (received by the platform).": "%1 停止计时（平台收到时间）。",
    "Done by the officer %1.": "民警办理时间 %1。", "Due %1.": "截止 %1。",
    "Desk": "警务工作台", "Record a callback": "记录回访", "&Outcome:": "结果(&O)：",
    "min": "分钟", "&Duration:": "时长(&D)：", "Not asked": "未询问",
    "S&atisfaction:": "满意度(&A)：", "What was said:": "回访内容：",
    "Please write what was said.": "请填写回访内容。",
    "Select a case in the list.": "请在列表中选择一个案件。",
    "Kind": "类型", "Service": "事项", "Status": "状态", "Unit": "单位", "Assignee": "责任人",
    "Channel": "渠道", "Citizen:": "群众：", "S&how": "显示(&H)",
    "Show the citizen's full contact details (recorded)": "显示群众完整联系信息（将被记录）",
    "What to write": "撰写类型", "Reply template": "答复模板", "SMS &notice": "短信提示(&N)",
    "Text to send": "发送内容", "Write here. Ctrl+Enter sends.": "在此填写，Ctrl+Enter 发送。",
    "&Send": "发送(&S)", "Send (Ctrl+Enter)": "发送（Ctrl+Enter）",
    "(%n change(s) not sent)": "（%n 项操作未发送）", "(%n conflict(s))": "（%n 项冲突）",
    "Unclaimed": "待领取", "Accepted by %1 (%2) at %3": "受理人：%1（%2），受理时间：%3",
    "Not accepted yet. Responsible unit: %1; received %2": "尚未受理。责任单位：%1；收到时间：%2",
    "(provisional)": "（暂定）", "(stopped by work not sent yet)": "（由未发送的操作停止）",
    "(none given)": "（未提供）", "Citizen's request": "群众诉求", "Insert a template…": "插入模板…",
    "Write something first.": "请先填写内容。", "Accept by": "受理时限", "Reply by": "答复时限",
    "Close by": "办结时限", "Your action:": "您的操作：", "The case now:": "案件当前情况：",
    "&Retry on the current case": "按当前案件重试(&R)", "Turn into a &note": "转为内部备注(&N)",
    "&Discard": "放弃(&D)", "%n action(s) could not be applied.": "%n 项操作未能执行。",
    "No conflicts.": "没有冲突。", "Refused: %1": "被拒绝：%1",
    "Citizen message": "群众留言", "Reply": "答复", "Internal note": "内部备注", "Callback": "回访",
    "Status change": "状态变更", "Claimed": "领取", "Accepted": "已受理", "Declined": "不予受理",
    "Transferred": "转办", "Reassigned": "改派", "Urged": "督办", "Rating": "评价",
    "Personal data viewed": "查看个人信息", "not sent yet": "尚未发送",
    "conflict: not applied": "冲突：未执行", "recorded late": "补记",
    "%1 · %2 · done %3 · received %4": "%1 · %2 · 办理 %3 · 平台收到 %4",
    "citizen": "群众", "not yet": "尚未", "Name": "姓名", "Phone": "电话", "ID number": "身份证号",
    "New Year's Day": "元旦", "Spring Festival": "春节", "Qingming Festival": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-Autumn Festival": "中秋节",
    "Victory Day (70th anniversary)": "抗战胜利纪念日", "National Day": "国庆节",
    "Application": "业务申办", "Consultation": "业务咨询", "Tip": "线索举报", "Appeal": "民生诉求",
    "Director's mailbox": "厅长信箱", "Petition": "网上信访",
    "Desk is locked": "工作台已锁定",
    "Enter the password of %1 to continue. Sync goes on meanwhile.": "请输入 %1 的密码以继续。同步仍在进行。",
    "Password": "密码", "&Unlock": "解锁(&U)", "Wrong password.": "密码错误。",
    "Cannot check the password: %1": "无法验证密码：%1", "Desk — log in": "警务工作台 — 登录",
    "Police service desk": "警务工作台", "&Server:": "服务器(&S)：", "&User name:": "用户名(&U)：",
    "&Password:": "密码(&P)：", "&Log in": "登录(&L)",
    "Please fill in the server, your user name and password.": "请填写服务器、用户名和密码。",
    "Logging in to the server…": "正在登录服务器…", "Desk — %1 (%2)": "警务工作台 — %1（%2）",
    "Queues": "队列", "Search number, title, text, citizen… (Ctrl+F)": "搜索编号、标题、内容、群众…（Ctrl+F）",
    "Search": "搜索", "Outbox": "待发送", "Conflicts": "冲突", "&Desk": "工作台(&D)",
    "&Sync now": "立即同步(&S)", "&Lock": "锁定(&L)", "Lock &after…": "自动锁定时间(&A)…",
    "&Language": "语言(&L)", "Log &out…": "退出登录(&O)…", "&Quit": "退出(&Q)", "Find": "查找",
    "Sync now": "立即同步", "Cannot read the local cache: %1": "无法读取本地缓存：%1",
    "New assignment": "新分派", "%n case(s) newly assigned to you.": "有 %n 个案件新分派给您。",
    "Due soon": "即将超期", "%n case(s) are now due within 4 working hours.": "%n 个案件将在 4 个工作小时内到期。",
    "Conflict": "冲突", "%n action(s) could not be applied. See Conflicts.": "%n 项操作未能执行，请查看“冲突”。",
    "The case is no longer available to you.": "您已无法查看该案件。", "Status: %1": "状态：%1",
    "Unit: %1": "单位：%1", "Assignee: %1": "责任人：%1", "Decline to accept": "不予受理",
    "Reason for the citizen:": "给群众的理由：", "Syncing…": "正在同步…", "Log in again": "请重新登录",
    "Your session has expired. Unsent work is kept.": "会话已过期，未发送的工作已保留。",
    "Online": "在线", "Session expired: log in again (your work is kept)": "会话已过期：请重新登录（工作已保留）",
    "Connecting…": "正在连接…", "Sync error; retrying": "同步出错，正在重试",
    "Offline: working from the local cache": "离线：正在使用本地缓存", "Last sync: %1": "上次同步：%1",
    "never": "从未", "%n not sent": "%n 项未发送",
    "This computer's clock is off by %n minute(s)": "本机时钟偏差 %n 分钟",
    "Lock after": "自动锁定", "Lock the window after this many idle minutes (0: never):": "空闲多少分钟后锁定窗口（0 表示从不）：",
    "Language": "语言", "The language changes the next time Desk starts.": "语言将在下次启动时生效。",
    "Log out": "退出登录", "Log out of Desk?": "退出警务工作台？",
    "You can also delete the local cache from this computer.": "您也可以从本机删除本地缓存。",
    "Log out, keep the cache": "退出并保留缓存", "Log out and delete the cache": "退出并删除缓存",
    "%n action(s) have not reached the server and will be lost. Delete anyway?": "有 %n 项操作尚未送达服务器，删除后将丢失。仍要删除吗？",
    "Really delete the unsent work? This cannot be undone.": "确定删除未发送的工作吗？此操作无法撤销。",
    "Unsent work": "未发送的工作", "Claim": "领取", "Accept": "受理", "Decline": "不予受理", "Note": "内部备注",
    "Change status": "变更状态", "Transfer": "转办", "Reassign": "改派", "Urge": "督办", "Reveal": "查看个人信息",
    "Case": "案件", "Action": "操作", "State": "状态", "Done at": "办理时间", "Text": "内容",
    "Last error": "最近错误", "Why": "原因", "Waiting to send": "等待发送", "Blocked": "受阻",
    "Rejected": "已拒绝", "%n action(s) waiting to be sent.": "%n 项操作等待发送。",
    "Everything has been sent.": "全部已发送。", "Reached": "已接通", "No answer": "无人接听",
    "Busy": "占线", "Wrong number": "号码错误", "Refused": "拒绝", "My cases": "我的案件",
    "Overdue": "超期", "Waiting for citizen": "待补充材料", "Closed": "已办结", "Whole station": "全所案件",
    "Search results": "搜索结果", "Number": "编号", "Title": "标题", "Citizen": "群众", "Received": "收到时间",
    "Time left": "剩余时限", "Sync": "同步", "Not sent": "未发送", "Please write the reason.": "请填写理由。",
    "Reassign to another officer": "改派给其他民警", "&Officer:": "民警(&O)：", "Reason:": "理由：",
    "No other officer in this unit.": "本单位没有其他民警。", "Satisfied": "满意", "Neutral": "一般",
    "Dissatisfied": "不满意", "New": "待受理", "In progress": "办理中", "&New status:": "新状态(&N)：",
    "&Reason:": "理由(&R)：", "No status change is possible.": "无法变更状态。",
    "Transfer to another unit": "转办至其他单位", "Units": "单位", "(current)": "（当前）",
    "&Unit:": "单位(&U)：", "Please choose the unit.": "请选择单位。", "Paused": "已暂停", "Met": "按时完成",
    "Late, done offline on time": "离线按时办理，送达较晚", "Met late": "超期完成",
    "Wrong user name or password.": "用户名或密码错误。",
    "The server cannot be reached, and this password does not open the cache on this computer.":
        "无法连接服务器，且此密码无法打开本机缓存。",
    "The server cannot be reached, and you have no cache on this computer yet. Log in once while connected.":
        "无法连接服务器，且本机尚无缓存。请在联网时先登录一次。",
    "Too many attempts. Wait a minute and try again.": "尝试次数过多，请一分钟后再试。",
    "Your local cache cannot be opened: %1": "无法打开本地缓存：%1", "Login failed: %1": "登录失败：%1",
    "Offline: the server cannot be reached. Your cache was opened with your password.":
        "离线：无法连接服务器，已用密码打开本地缓存。",
}


def apply(path: Path = TS) -> list[str]:
    """Fill every message of the .ts; returns the sources that have no term yet."""
    tree = ET.parse(path)
    missing = []
    for message in tree.iter("message"):
        source = message.find("source").text or ""
        term = TERMS.get(source)
        translation = message.find("translation")
        if term is None:
            missing.append(source)
            continue
        translation.attrib.pop("type", None)
        for child in list(translation):
            translation.remove(child)
        if message.get("numerus") == "yes":
            translation.text = None
            form = ET.SubElement(translation, "numerusform")
            form.text = term
        else:
            translation.text = term
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return missing


if __name__ == "__main__":
    missing = apply()
    for source in missing:
        print(f"no term for: {source!r}", file=sys.stderr)
    sys.exit(1 if missing else 0)
