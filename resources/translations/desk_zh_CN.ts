<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ActionController</name>
    <message>
        <source>Saved. It is sent to the server with the next sync.</source>
        <translation>已保存，将在下次同步时发送到服务器。</translation>
    </message>
    <message>
        <source>Saved offline. It is sent when the server can be reached.</source>
        <translation>已离线保存，连上服务器后自动发送。</translation>
    </message>
    <message>
        <source>The action could not be saved: %1</source>
        <translation>操作未能保存：%1</translation>
    </message>
    <message>
        <source>Decline to accept</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Reason for the citizen:</source>
        <translation>给群众的理由：</translation>
    </message>
    <message>
        <source>Close the case</source>
        <translation>办结案件</translation>
    </message>
    <message>
        <source>Close %1? Only a station chief can reopen it.</source>
        <translation>确定办结 %1？办结后只有所长可以重新打开。</translation>
    </message>
    <message>
        <source>Transfer the case</source>
        <translation>转办案件</translation>
    </message>
    <message>
        <source>Transfer %1 to %2? It leaves your unit's queues.</source>
        <translation>确定将 %1 转办至%2？转办后案件将离开本单位的队列。</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Desk</source>
        <translation>警务工作台</translation>
    </message>
</context>
<context>
    <name>BulkController</name>
    <message numerus="yes">
        <source>Internal note on %n case(s)</source>
        <translation>
            <numerusform>为 %n 件案件添加内部备注</numerusform>
        </translation>
    </message>
    <message>
        <source>The same note is added to each case:</source>
        <translation>每件案件都添加同一条备注：</translation>
    </message>
    <message>
        <source>Close the cases</source>
        <translation>办结案件</translation>
    </message>
    <message numerus="yes">
        <source>Close %n case(s)? Only a station chief can reopen them.</source>
        <translation>
            <numerusform>办结 %n 件案件？只有所长可以重新打开。</numerusform>
        </translation>
    </message>
    <message>
        <source>Transfer the cases</source>
        <translation>转办案件</translation>
    </message>
    <message numerus="yes">
        <source>Transfer %n case(s) to %1? They leave your unit's queues.</source>
        <translation>
            <numerusform>将 %n 件案件转办至%1？案件将离开本单位的队列。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 case(s) changed.</source>
        <translation>已处理 %2 件中的 %1 件。</translation>
    </message>
    <message>
        <source>The action could not be saved: %1</source>
        <translation>操作未能保存：%1</translation>
    </message>
</context>
<context>
    <name>BulkPanel</name>
    <message>
        <source>Each action is one operation per case; a case it does not fit is left as it is, and the summary says why.</source>
        <translation>每个操作对每件案件各记一项；不适用的案件保持原样，结果中说明原因。</translation>
    </message>
    <message>
        <source>%1 (the selected cases)</source>
        <translation>%1（所选案件）</translation>
    </message>
    <message>
        <source>Claim</source>
        <translation>领取</translation>
    </message>
    <message>
        <source>Internal note…</source>
        <translation>内部备注…</translation>
    </message>
    <message>
        <source>Change status…</source>
        <translation>更改状态…</translation>
    </message>
    <message>
        <source>Transfer…</source>
        <translation>转办…</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) selected</source>
        <translation>
            <numerusform>已选 %n 件案件</numerusform>
        </translation>
    </message>
    <message>
        <source>At most %1 cases can be changed at once; select fewer.</source>
        <translation>一次最多处理 %1 件案件，请少选一些。</translation>
    </message>
    <message>
        <source>Checking what each action fits…</source>
        <translation>正在核对各操作适用的案件…</translation>
    </message>
    <message>
        <source>%1: %2 of %3</source>
        <translation>%1：%3 件中 %2 件可用</translation>
    </message>
</context>
<context>
    <name>BulkSummaryDialog</name>
    <message numerus="yes">
        <source>%1 on %n case(s)</source>
        <translation>
            <numerusform>%1（%n 件案件）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) saved; sent with the next sync.</source>
        <translation>
            <numerusform>已保存 %n 项操作，将随下次同步发送。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) saved offline; sent when the server can be reached.</source>
        <translation>
            <numerusform>已离线保存 %n 项操作，连上服务器后发送。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) not changed:</source>
        <translation>
            <numerusform>%n 件案件未处理：</numerusform>
        </translation>
    </message>
    <message>
        <source>Every selected case was changed.</source>
        <translation>所选案件均已处理。</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Why not</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>CallbackDialog</name>
    <message>
        <source>Record a callback</source>
        <translation>记录回访</translation>
    </message>
    <message>
        <source>&amp;Outcome:</source>
        <translation>结果(&amp;O)：</translation>
    </message>
    <message>
        <source>min</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>&amp;Duration:</source>
        <translation>时长(&amp;D)：</translation>
    </message>
    <message>
        <source>Not asked</source>
        <translation>未询问</translation>
    </message>
    <message>
        <source>S&amp;atisfaction:</source>
        <translation>满意度(&amp;A)：</translation>
    </message>
    <message>
        <source>What was said:</source>
        <translation>回访内容：</translation>
    </message>
    <message>
        <source>Please write what was said.</source>
        <translation>请填写回访内容。</translation>
    </message>
    <message>
        <source>Files:</source>
        <translation>附件：</translation>
    </message>
</context>
<context>
    <name>CaseMenus</name>
    <message>
        <source>Open the menu of the focused entry</source>
        <translation>打开当前记录的菜单</translation>
    </message>
    <message>
        <source>Copy the entry's text</source>
        <translation>复制记录内容</translation>
    </message>
    <message>
        <source>Copy the case number</source>
        <translation>复制案件编号</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
</context>
<context>
    <name>CasePane</name>
    <message>
        <source>Select a case in the list.</source>
        <translation>请在列表中选择一个案件。</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>责任人</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Citizen:</source>
        <translation>群众：</translation>
    </message>
    <message>
        <source>S&amp;how</source>
        <translation>显示(&amp;H)</translation>
    </message>
    <message>
        <source>Show the citizen's full contact details (recorded)</source>
        <translation>显示群众完整联系信息（将被记录）</translation>
    </message>
    <message>
        <source>What to write</source>
        <translation>撰写类型</translation>
    </message>
    <message>
        <source>Reply template</source>
        <translation>答复模板</translation>
    </message>
    <message>
        <source>SMS &amp;notice</source>
        <translation>短信提示(&amp;N)</translation>
    </message>
    <message>
        <source>Text to send</source>
        <translation>发送内容</translation>
    </message>
    <message>
        <source>Write here. Ctrl+Enter sends.</source>
        <translation>在此填写，Ctrl+Enter 发送。</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation>发送（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>(not known to this desk: read-only, notes and callbacks still work)</source>
        <translation>（本客户端不识别此状态：只读，仍可记录备注和回访）</translation>
    </message>
    <message numerus="yes">
        <source>(%n change(s) not sent)</source>
        <translation>
            <numerusform>（%n 项操作未发送）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n conflict(s))</source>
        <translation>
            <numerusform>（%n 项冲突）</numerusform>
        </translation>
    </message>
    <message>
        <source>Unclaimed</source>
        <translation>待领取</translation>
    </message>
    <message>
        <source>Accepted by %1 (%2) at %3</source>
        <translation>受理人：%1（%2），受理时间：%3</translation>
    </message>
    <message>
        <source>Not accepted yet. Responsible unit: %1; received %2</source>
        <translation>尚未受理。责任单位：%1；收到时间：%2</translation>
    </message>
    <message>
        <source>(provisional)</source>
        <translation>（暂定）</translation>
    </message>
    <message>
        <source>(stopped by work not sent yet)</source>
        <translation>（由未发送的操作停止）</translation>
    </message>
    <message>
        <source>(none given)</source>
        <translation>（未提供）</translation>
    </message>
    <message>
        <source>Citizen's request</source>
        <translation>群众诉求</translation>
    </message>
    <message>
        <source>Insert a template…</source>
        <translation>插入模板…</translation>
    </message>
    <message>
        <source>Write something first.</source>
        <translation>请先填写内容。</translation>
    </message>
</context>
<context>
    <name>Clock</name>
    <message>
        <source>Accept by</source>
        <translation>受理时限</translation>
    </message>
    <message>
        <source>Reply by</source>
        <translation>答复时限</translation>
    </message>
    <message>
        <source>Close by</source>
        <translation>办结时限</translation>
    </message>
</context>
<context>
    <name>Commitments</name>
    <message>
        <source>My commitments</source>
        <translation>我的承诺</translation>
    </message>
    <message numerus="yes">
        <source>my rating %1 (%n rating(s))</source>
        <translation>
            <numerusform>我的评分 %1（%n 条评价）</numerusform>
        </translation>
    </message>
    <message>
        <source>no rating yet</source>
        <translation>暂无评价</translation>
    </message>
    <message>
        <source>My commitments: %1 due today, %2 due tomorrow, %3 overdue; %4</source>
        <translation>我的承诺：今日到期 %1 件，明日到期 %2 件，超期 %3 件；%4</translation>
    </message>
</context>
<context>
    <name>ConflictsView</name>
    <message>
        <source>Your action:</source>
        <translation>您的操作：</translation>
    </message>
    <message>
        <source>The case now:</source>
        <translation>案件当前情况：</translation>
    </message>
    <message>
        <source>&amp;Retry on the current case</source>
        <translation>按当前案件重试(&amp;R)</translation>
    </message>
    <message>
        <source>Turn into a &amp;note</source>
        <translation>转为内部备注(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation>放弃(&amp;D)</translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) could not be applied.</source>
        <translation>
            <numerusform>%n 项操作未能执行。</numerusform>
        </translation>
    </message>
    <message>
        <source>No conflicts.</source>
        <translation>没有冲突。</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
</context>
<context>
    <name>DemoMenu</name>
    <message>
        <source>De&amp;mo</source>
        <translation>演示(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Cut the demo network</source>
        <translation>断开演示网络(&amp;C)</translation>
    </message>
    <message>
        <source>Act as if this station's link went down: work offline, then restore it</source>
        <translation>模拟本所网络中断：离线办理，然后再恢复网络</translation>
    </message>
    <message>
        <source>&amp;Restore the demo network</source>
        <translation>恢复演示网络(&amp;R)</translation>
    </message>
    <message>
        <source>The link comes back: queued work is sent within half a minute</source>
        <translation>网络恢复：待发送的工作在半分钟内送出</translation>
    </message>
</context>
<context>
    <name>Entry</name>
    <message>
        <source>Citizen message</source>
        <translation>群众留言</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Internal note</source>
        <translation>内部备注</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Status change</source>
        <translation>状态变更</translation>
    </message>
    <message>
        <source>Claimed</source>
        <translation>领取</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>转办</translation>
    </message>
    <message>
        <source>Reassigned</source>
        <translation>改派</translation>
    </message>
    <message>
        <source>Urged</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>评价</translation>
    </message>
    <message>
        <source>Personal data viewed</source>
        <translation>查看个人信息</translation>
    </message>
</context>
<context>
    <name>EntryWidget</name>
    <message>
        <source>not sent yet</source>
        <translation>尚未发送</translation>
    </message>
    <message>
        <source>conflict: not applied</source>
        <translation>冲突：未执行</translation>
    </message>
    <message>
        <source>recorded late</source>
        <translation>补记</translation>
    </message>
    <message>
        <source>citizen · %1</source>
        <translation>群众 · %1</translation>
    </message>
    <message>
        <source>automatic, after the citizen's message · %1</source>
        <translation>群众补充材料后自动变更 · %1</translation>
    </message>
    <message>
        <source>%1 · %2 · done %3 · received %4</source>
        <translation>%1 · %2 · 办理 %3 · 平台收到 %4</translation>
    </message>
    <message>
        <source>%1 · %2 · done %3 · not yet received by the platform</source>
        <translation>%1 · %2 · 办理 %3 · 平台尚未收到</translation>
    </message>
</context>
<context>
    <name>Field</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>身份证号</translation>
    </message>
</context>
<context>
    <name>HelpHook</name>
    <message>
        <source>Go to entry %1 of the left pane</source>
        <translation>转到左侧第 %1 项</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts…</source>
        <translation>键盘快捷键(&amp;K)…</translation>
    </message>
    <message>
        <source>&amp;About Desk…</source>
        <translation>关于警务工作台(&amp;A)…</translation>
    </message>
    <message>
        <source>Desk %1</source>
        <translation>警务工作台 %1</translation>
    </message>
    <message>
        <source>Server: %1</source>
        <translation>服务器：%1</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>（未设置）</translation>
    </message>
    <message>
        <source>Profile folder: %1</source>
        <translation>配置文件夹：%1</translation>
    </message>
    <message>
        <source>About Desk</source>
        <translation>关于警务工作台</translation>
    </message>
</context>
<context>
    <name>Holiday</name>
    <message>
        <source>New Year's Day</source>
        <translation>元旦</translation>
    </message>
    <message>
        <source>Spring Festival</source>
        <translation>春节</translation>
    </message>
    <message>
        <source>Qingming Festival</source>
        <translation>清明节</translation>
    </message>
    <message>
        <source>Labour Day</source>
        <translation>劳动节</translation>
    </message>
    <message>
        <source>Dragon Boat Festival</source>
        <translation>端午节</translation>
    </message>
    <message>
        <source>Mid-Autumn Festival</source>
        <translation>中秋节</translation>
    </message>
    <message>
        <source>Victory Day (70th anniversary)</source>
        <translation>抗战胜利纪念日</translation>
    </message>
    <message>
        <source>National Day</source>
        <translation>国庆节</translation>
    </message>
</context>
<context>
    <name>Kind</name>
    <message>
        <source>Application</source>
        <translation>业务申办</translation>
    </message>
    <message>
        <source>Consultation</source>
        <translation>业务咨询</translation>
    </message>
    <message>
        <source>Tip</source>
        <translation>线索举报</translation>
    </message>
    <message>
        <source>Appeal</source>
        <translation>民生诉求</translation>
    </message>
    <message>
        <source>Director's mailbox</source>
        <translation>厅长信箱</translation>
    </message>
    <message>
        <source>Petition</source>
        <translation>网上信访</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Desk is locked</source>
        <translation>工作台已锁定</translation>
    </message>
    <message>
        <source>Enter the password of %1 to continue. Sync goes on meanwhile.</source>
        <translation>请输入 %1 的密码以继续。同步仍在进行。</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>解锁(&amp;U)</translation>
    </message>
    <message>
        <source>Wrong password.</source>
        <translation>密码错误。</translation>
    </message>
    <message>
        <source>Cannot check the password: %1</source>
        <translation>无法验证密码：%1</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Desk — log in</source>
        <translation>警务工作台 — 登录</translation>
    </message>
    <message>
        <source>Police service desk</source>
        <translation>警务工作台</translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation>服务器(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Log in</source>
        <translation>登录(&amp;L)</translation>
    </message>
    <message>
        <source>Please fill in the server, your user name and password.</source>
        <translation>请填写服务器、用户名和密码。</translation>
    </message>
    <message>
        <source>Logging in to the server…</source>
        <translation>正在登录服务器…</translation>
    </message>
    <message>
        <source>Local cache lost</source>
        <translation>本地缓存丢失</translation>
    </message>
    <message>
        <source>The local cache of this profile is missing, empty or damaged.</source>
        <translation>此账户的本地缓存缺失、为空或已损坏。</translation>
    </message>
    <message>
        <source>Start with an empty cache</source>
        <translation>使用空缓存重新开始</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>The server cannot be reached, and this password does not open the cache on this computer.</source>
        <translation>无法连接服务器，且此密码无法打开本机缓存。</translation>
    </message>
    <message>
        <source>The server cannot be reached, and you have no cache on this computer yet. Log in once while connected.</source>
        <translation>无法连接服务器，且本机尚无缓存。请在联网时先登录一次。</translation>
    </message>
    <message>
        <source>Too many attempts. Wait a minute and try again.</source>
        <translation>尝试次数过多，请一分钟后再试。</translation>
    </message>
    <message>
        <source>Your local cache is lost: %1</source>
        <translation>您的本地缓存已丢失：%1</translation>
    </message>
    <message>
        <source>Your local cache cannot be opened: %1</source>
        <translation>无法打开本地缓存：%1</translation>
    </message>
    <message>
        <source>Login failed: %1</source>
        <translation>登录失败：%1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Desk — %1 (%2)</source>
        <translation>警务工作台 — %1（%2）</translation>
    </message>
    <message>
        <source>Queues</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>Outbox</source>
        <translation>待发送</translation>
    </message>
    <message>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>&amp;Desk</source>
        <translation>工作台(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Sync now</source>
        <translation>立即同步(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Lock</source>
        <translation>锁定(&amp;L)</translation>
    </message>
    <message>
        <source>Lock &amp;after…</source>
        <translation>自动锁定时间(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Log &amp;out…</source>
        <translation>退出登录(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>警务工作台</translation>
    </message>
    <message>
        <source>New assignment</source>
        <translation>新分派</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) newly assigned to you.</source>
        <translation>
            <numerusform>有 %n 个案件新分派给您。</numerusform>
        </translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>即将超期</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) are now due within 4 working hours.</source>
        <translation>
            <numerusform>%n 个案件将在 4 个工作小时内到期。</numerusform>
        </translation>
    </message>
    <message>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) could not be applied. See Conflicts.</source>
        <translation>
            <numerusform>%n 项操作未能执行，请查看“冲突”。</numerusform>
        </translation>
    </message>
    <message>
        <source>Desk — %1</source>
        <translation>警务工作台 — %1</translation>
    </message>
    <message>
        <source>The case is no longer available to you.</source>
        <translation>您已无法查看该案件。</translation>
    </message>
    <message>
        <source>Status: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Unit: %1</source>
        <translation>单位：%1</translation>
    </message>
    <message>
        <source>Assignee: %1</source>
        <translation>责任人：%1</translation>
    </message>
    <message>
        <source>Unclaimed</source>
        <translation>待领取</translation>
    </message>
    <message>
        <source>Log in again</source>
        <translation>请重新登录</translation>
    </message>
    <message>
        <source>Your session has expired. Unsent work is kept.</source>
        <translation>会话已过期，未发送的工作已保留。</translation>
    </message>
    <message>
        <source>Cases set aside</source>
        <translation>案件暂未同步</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) could not be read from the server and were set aside: %1. The last good copy is kept; each is read again when it next changes.</source>
        <translation>
            <numerusform>%n 件案件无法从服务器读取，已暂时搁置：%1。已保留其上一份完好的副本；案件下次变更时将重新读取。</numerusform>
        </translation>
    </message>
    <message>
        <source>Lock after</source>
        <translation>自动锁定</translation>
    </message>
    <message>
        <source>Lock the window after this many idle minutes (0: never):</source>
        <translation>空闲多少分钟后锁定窗口（0 表示从不）：</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The language changes the next time Desk starts.</source>
        <translation>语言将在下次启动时生效。</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Log out of Desk?</source>
        <translation>退出警务工作台？</translation>
    </message>
    <message>
        <source>You can also delete the local cache from this computer.</source>
        <translation>您也可以从本机删除本地缓存。</translation>
    </message>
    <message>
        <source>Log out, keep the cache</source>
        <translation>退出并保留缓存</translation>
    </message>
    <message>
        <source>Logging out…</source>
        <translation>正在退出…</translation>
    </message>
    <message>
        <source>The server could not be told; logged out on this computer.</source>
        <translation>未能通知服务器；已在本机退出登录。</translation>
    </message>
    <message>
        <source>Log out and delete the cache</source>
        <translation>退出并删除缓存</translation>
    </message>
    <message numerus="yes">
        <source>%n action(s) have not reached the server and will be lost. Delete anyway?</source>
        <translation>
            <numerusform>有 %n 项操作尚未送达服务器，删除后将丢失。仍要删除吗？</numerusform>
        </translation>
    </message>
    <message>
        <source>Really delete the unsent work? This cannot be undone.</source>
        <translation>确定删除未发送的工作吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Unsent work</source>
        <translation>未发送的工作</translation>
    </message>
</context>
<context>
    <name>Op</name>
    <message>
        <source>Claim</source>
        <translation>领取</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>内部备注</translation>
    </message>
    <message>
        <source>Callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Change status</source>
        <translation>变更状态</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>转办</translation>
    </message>
    <message>
        <source>Reassign</source>
        <translation>改派</translation>
    </message>
    <message>
        <source>Urge</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Reveal</source>
        <translation>查看个人信息</translation>
    </message>
</context>
<context>
    <name>OutboxModel</name>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Done at</source>
        <translation>办理时间</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>OutboxState</name>
    <message>
        <source>Waiting to send</source>
        <translation>等待发送</translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation>受阻</translation>
    </message>
    <message>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Sent, answer pending</source>
        <translation>已发送，等待答复</translation>
    </message>
</context>
<context>
    <name>OutboxView</name>
    <message numerus="yes">
        <source>%n action(s) waiting to be sent.</source>
        <translation>
            <numerusform>%n 项操作等待发送。</numerusform>
        </translation>
    </message>
    <message>
        <source>Everything has been sent.</source>
        <translation>全部已发送。</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>修改(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Withdraw…</source>
        <translation>撤回(&amp;W)…</translation>
    </message>
    <message>
        <source>Only the text of a reply, note, callback record or urge can be edited.</source>
        <translation>只能修改答复、备注、回访记录或督办的文字。</translation>
    </message>
    <message>
        <source>A reveal records that the citizen's details were seen; it is never withdrawn.</source>
        <translation>显示记录表明已查看群众信息，不能撤回。</translation>
    </message>
    <message>
        <source>Sent; the server's answer has not come back. It may already be applied on the server, so it can no longer be edited or withdrawn. It is settled with the next sync.</source>
        <translation>已发送，服务器尚未答复。服务器可能已经执行，因此不能再修改或撤回。下次同步时确认结果。</translation>
    </message>
    <message>
        <source>Change the text before it is sent.</source>
        <translation>发送前修改文字。</translation>
    </message>
    <message>
        <source>Take this action back before it is sent.</source>
        <translation>发送前撤回此操作。</translation>
    </message>
    <message>
        <source>Open the case</source>
        <translation>打开案件</translation>
    </message>
    <message>
        <source>Withdraw this %1 on case %2? It has not been sent and will not be.</source>
        <translation>撤回案件 %2 的这项%1？它尚未发送，撤回后不会发送。</translation>
    </message>
    <message>
        <source>The later actions on this case were done after it and go with it:</source>
        <translation>此案件之后的操作是在它之后做的，将一并撤回：</translation>
    </message>
    <message>
        <source>Withdraw</source>
        <translation>撤回</translation>
    </message>
    <message>
        <source>The change could not be saved: %1</source>
        <translation>无法保存修改：%1</translation>
    </message>
    <message>
        <source>This action is no longer in the outbox: it was delivered, refused or withdrawn meanwhile.</source>
        <translation>此操作已不在待发送列表中：其间已送达、被拒绝或已撤回。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Uploaded</source>
        <translation>已上传</translation>
    </message>
    <message>
        <source>Files being uploaded</source>
        <translation>正在上传的文件</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) to upload.</source>
        <translation>
            <numerusform>%n 个文件待上传。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <source>Reached</source>
        <translation>已接通</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>号码错误</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>拒绝</translation>
    </message>
</context>
<context>
    <name>Queue</name>
    <message>
        <source>My cases</source>
        <translation>我的案件</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>即将超期</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Unclaimed</source>
        <translation>待领取</translation>
    </message>
    <message>
        <source>Waiting for citizen</source>
        <translation>待补充材料</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>Whole station</source>
        <translation>全所案件</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>Callbacks due</source>
        <translation>待回访</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>群众</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时限</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>责任人</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>(provisional)</source>
        <translation>（暂定）</translation>
    </message>
    <message>
        <source>Unclaimed</source>
        <translation>待领取</translation>
    </message>
    <message>
        <source>Conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>Not sent</source>
        <translation>未发送</translation>
    </message>
</context>
<context>
    <name>QueuePane</name>
    <message>
        <source>Search number, title, text, citizen… (Ctrl+F)</source>
        <translation>搜索编号、标题、内容、群众…（Ctrl+F）</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>A search may hold at most %1 words and %2 characters; shorten it.</source>
        <translation>一次搜索最多 %1 个词、%2 个字符，请缩短。</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) found</source>
        <translation>
            <numerusform>找到 %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>No case found</source>
        <translation>未找到</translation>
    </message>
    <message>
        <source>Open the menu of the current case</source>
        <translation>打开当前案件的菜单</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Please write the reason.</source>
        <translation>请填写理由。</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign to another officer</source>
        <translation>改派给其他民警</translation>
    </message>
    <message numerus="yes">
        <source>%n open case(s)</source>
        <translation>
            <numerusform>在办 %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose an officer…</source>
        <translation>请选择民警…</translation>
    </message>
    <message>
        <source>&amp;Officer:</source>
        <translation>民警(&amp;O)：</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由：</translation>
    </message>
    <message>
        <source>No other officer in this unit.</source>
        <translation>本单位没有其他民警。</translation>
    </message>
    <message>
        <source>Please choose the officer.</source>
        <translation>请选择民警。</translation>
    </message>
    <message>
        <source>Please write the reason.</source>
        <translation>请填写理由。</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <source>text</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>理由</translation>
    </message>
    <message>
        <source>new status</source>
        <translation>新状态</translation>
    </message>
    <message>
        <source>duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>officer</source>
        <translation>民警</translation>
    </message>
    <message>
        <source>SMS notice</source>
        <translation>短信提示</translation>
    </message>
    <message>
        <source>outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>satisfaction</source>
        <translation>满意度</translation>
    </message>
    <message>
        <source>field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>The %1 must not be empty.</source>
        <translation>%1不能为空。</translation>
    </message>
    <message>
        <source>The %1 is longer than %2 characters.</source>
        <translation>%1超过 %2 个字。</translation>
    </message>
    <message>
        <source>The %1 must be at least %2.</source>
        <translation>%1至少为 %2。</translation>
    </message>
    <message>
        <source>The %1 has a value that is not allowed.</source>
        <translation>%1的取值不允许。</translation>
    </message>
    <message>
        <source>The case is not in the local cache.</source>
        <translation>本地缓存中没有该案件。</translation>
    </message>
    <message>
        <source>There is no such conflict.</source>
        <translation>没有该冲突。</translation>
    </message>
    <message>
        <source>This conflict was resolved already.</source>
        <translation>该冲突已处理。</translation>
    </message>
    <message>
        <source>This action has no text to keep as a note.</source>
        <translation>该操作没有可保存为备注的内容。</translation>
    </message>
    <message>
        <source>Only a supervisor may do this.</source>
        <translation>只有所长可以执行此操作。</translation>
    </message>
    <message>
        <source>You never held this case.</source>
        <translation>您从未办理过该案件。</translation>
    </message>
    <message>
        <source>You no longer hold this case.</source>
        <translation>该案件已不由您办理。</translation>
    </message>
    <message>
        <source>The case is no longer in your unit.</source>
        <translation>该案件已不在本单位。</translation>
    </message>
    <message>
        <source>The case is not in your unit.</source>
        <translation>该案件不在本单位。</translation>
    </message>
    <message>
        <source>A case that is %1 cannot be claimed.</source>
        <translation>状态为“%1”的案件不能领取。</translation>
    </message>
    <message>
        <source>The officer holds the case already.</source>
        <translation>该民警已在办理此案件。</translation>
    </message>
    <message>
        <source>Another officer claimed the case.</source>
        <translation>其他民警已领取该案件。</translation>
    </message>
    <message>
        <source>Only the assignee may do this.</source>
        <translation>只有承办民警可以执行此操作。</translation>
    </message>
    <message>
        <source>The case is %1, not new.</source>
        <translation>该案件状态为“%1”，不是新案件。</translation>
    </message>
    <message>
        <source>Only the assignee or a supervisor may reply.</source>
        <translation>只有承办民警或所长可以答复。</translation>
    </message>
    <message>
        <source>Only the assignee or a supervisor may transfer.</source>
        <translation>只有承办民警或所长可以转办。</translation>
    </message>
    <message>
        <source>A case cannot be set to %1 here.</source>
        <translation>不能在此将案件设为“%1”。</translation>
    </message>
    <message>
        <source>Only a supervisor of the unit may reopen a case.</source>
        <translation>只有本单位所长可以重新打开案件。</translation>
    </message>
    <message>
        <source>Only the assignee may change the status.</source>
        <translation>只有承办民警可以更改状态。</translation>
    </message>
    <message>
        <source>A case that is %1 cannot become %2.</source>
        <translation>状态为“%1”的案件不能改为“%2”。</translation>
    </message>
    <message>
        <source>A case that is %1 cannot be transferred.</source>
        <translation>状态为“%1”的案件不能转办。</translation>
    </message>
    <message>
        <source>There is no such unit.</source>
        <translation>没有该单位。</translation>
    </message>
    <message>
        <source>The case is in that unit already.</source>
        <translation>该案件已在该单位。</translation>
    </message>
    <message>
        <source>There is no such officer in the case's unit.</source>
        <translation>案件所在单位没有该民警。</translation>
    </message>
    <message>
        <source>Not possible: the case is %1.</source>
        <translation>无法执行：案件状态为“%1”。</translation>
    </message>
    <message>
        <source>This action is not known.</source>
        <translation>未知的操作。</translation>
    </message>
    <message>
        <source>Some of what was entered is not valid.</source>
        <translation>填写的内容有误。</translation>
    </message>
    <message>
        <source>You may not do this.</source>
        <translation>您无权执行此操作。</translation>
    </message>
    <message>
        <source>Not possible in the case's current status.</source>
        <translation>案件当前状态下无法执行。</translation>
    </message>
    <message>
        <source>The action is not possible now.</source>
        <translation>目前无法执行该操作。</translation>
    </message>
    <message>
        <source>This action cannot be done on many cases at once.</source>
        <translation>此操作不能对多件案件同时进行。</translation>
    </message>
    <message>
        <source>Select at most %1 cases at once.</source>
        <translation>一次最多选择 %1 件案件。</translation>
    </message>
    <message>
        <source>The file is larger than the server accepts.</source>
        <translation>文件超过服务器允许的大小。</translation>
    </message>
    <message>
        <source>The file is empty.</source>
        <translation>文件是空的。</translation>
    </message>
    <message>
        <source>This type of file is not accepted (photos in JPEG, PNG or WebP, PDF and plain text are).</source>
        <translation>不接受此类文件（可接受 JPEG、PNG、WebP 图片，PDF 和纯文本）。</translation>
    </message>
    <message>
        <source>The file cannot be read.</source>
        <translation>无法读取该文件。</translation>
    </message>
    <message>
        <source>The file's name is not usable; rename it first.</source>
        <translation>文件名不可用，请先重命名。</translation>
    </message>
    <message>
        <source>Too many files for one entry.</source>
        <translation>一条记录所附文件过多。</translation>
    </message>
    <message>
        <source>The case has no such file.</source>
        <translation>案件中没有这个文件。</translation>
    </message>
    <message>
        <source>The file is not downloaded yet; it is with the next sync while online.</source>
        <translation>文件尚未下载，联网后将在下次同步时下载。</translation>
    </message>
    <message>
        <source>A file of that name is there already.</source>
        <translation>该位置已有同名文件。</translation>
    </message>
    <message>
        <source>The file could not be written there.</source>
        <translation>无法在该位置写入文件。</translation>
    </message>
</context>
<context>
    <name>Satisfaction</name>
    <message>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Neutral</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Does</source>
        <translation>功能</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>New</source>
        <translation>待受理</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>办理中</translation>
    </message>
    <message>
        <source>Waiting for citizen</source>
        <translation>待补充材料</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>不予受理</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Cannot read the local cache: %1</source>
        <translation>无法读取本地缓存：%1</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Session expired: log in again (your work is kept)</source>
        <translation>会话已过期：请重新登录（工作已保留）</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Sync error; retrying</source>
        <translation>同步出错，正在重试</translation>
    </message>
    <message>
        <source>Offline: working from the local cache</source>
        <translation>离线：正在使用本地缓存</translation>
    </message>
    <message>
        <source>%1. %2</source>
        <translation>%1。%2</translation>
    </message>
    <message>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message numerus="yes">
        <source>%n not sent</source>
        <translation>
            <numerusform>%n 项未发送</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>This computer's clock is off by %n minute(s)</source>
        <translation>
            <numerusform>本机时钟偏差 %n 分钟</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StatusDialog</name>
    <message>
        <source>Change status</source>
        <translation>变更状态</translation>
    </message>
    <message>
        <source>&amp;New status:</source>
        <translation>新状态(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>理由(&amp;R)：</translation>
    </message>
    <message>
        <source>No status change is possible.</source>
        <translation>无法变更状态。</translation>
    </message>
</context>
<context>
    <name>Supervision</name>
    <message>
        <source>Supervision</source>
        <translation>督办监督</translation>
    </message>
    <message>
        <source>Due soon</source>
        <translation>即将超期</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) entered due soon: </source>
        <translation>
            <numerusform>%n 件即将超期：</numerusform>
        </translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) went overdue: </source>
        <translation>
            <numerusform>%n 件已超期：</numerusform>
        </translation>
    </message>
    <message>
        <source>Met</source>
        <translation>按时办结</translation>
    </message>
    <message>
        <source>Late, done offline on time</source>
        <translation>逾期送达，离线按时办理</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message numerus="yes">
        <source>Last %n day(s)</source>
        <translation>
            <numerusform>最近 %n 天</numerusform>
        </translation>
    </message>
    <message>
        <source>Period</source>
        <translation>统计期间</translation>
    </message>
    <message>
        <source> working h</source>
        <translation> 工作小时</translation>
    </message>
    <message>
        <source>Due soon within (working hours)</source>
        <translation>即将超期阈值（工作小时）</translation>
    </message>
    <message>
        <source>Charts as tables</source>
        <translation>图表以表格显示</translation>
    </message>
    <message>
        <source>Show personal data in exports</source>
        <translation>导出时显示个人信息</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Period:</source>
        <translation>统计期间：</translation>
    </message>
    <message>
        <source>Due soon within:</source>
        <translation>即将超期阈值：</translation>
    </message>
    <message>
        <source>Export:</source>
        <translation>导出：</translation>
    </message>
    <message>
        <source>Overdue list</source>
        <translation>超期清单</translation>
    </message>
    <message>
        <source>Compliance</source>
        <translation>按时办结率</translation>
    </message>
    <message>
        <source>Export %1 (%2)</source>
        <translation>导出%1（%2）</translation>
    </message>
    <message>
        <source>Case</source>
        <translation>案件</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Clock</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Overdue and due soon, by officer</source>
        <translation>超期及即将超期（按民警）</translation>
    </message>
    <message>
        <source>Urge selected…</source>
        <translation>督办所选…</translation>
    </message>
    <message>
        <source>Reassign selected…</source>
        <translation>改派所选…</translation>
    </message>
    <message>
        <source>Overdue and due soon</source>
        <translation>超期及即将超期</translation>
    </message>
    <message>
        <source>Officer</source>
        <translation>民警</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>在办</translation>
    </message>
    <message>
        <source>Oldest open case</source>
        <translation>最早在办案件</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Overdue per officer</source>
        <translation>各民警超期件数</translation>
    </message>
    <message>
        <source>Workload</source>
        <translation>工作量</translation>
    </message>
    <message>
        <source>Clocks met per week</source>
        <translation>每周按时办结率</translation>
    </message>
    <message>
        <source>Ratings</source>
        <translation>群众评价</translation>
    </message>
    <message>
        <source>Average</source>
        <translation>平均分</translation>
    </message>
    <message>
        <source>Callbacks satisfied</source>
        <translation>回访满意</translation>
    </message>
    <message>
        <source>Neutral</source>
        <translation>基本满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>评分</translation>
    </message>
    <message>
        <source>Rated</source>
        <translation>评价时间</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>评价内容</translation>
    </message>
    <message>
        <source>Ratings distribution</source>
        <translation>评分分布</translation>
    </message>
    <message>
        <source>Low ratings</source>
        <translation>低分评价</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Clocks</source>
        <translation>时限数</translation>
    </message>
    <message>
        <source>Met share</source>
        <translation>按时办结率</translation>
    </message>
    <message>
        <source>Unclaimed</source>
        <translation>待领取</translation>
    </message>
    <message>
        <source>Cannot read the local cache: %1</source>
        <translation>无法读取本地缓存：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>超期 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n due soon</source>
        <translation>
            <numerusform>即将超期 %n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Computed from the local cache at %1</source>
        <translation>根据本地缓存统计于 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n 件</numerusform>
        </translation>
    </message>
    <message>
        <source>Station</source>
        <translation>本所</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message numerus="yes">
        <source>%n star(s)</source>
        <translation>
            <numerusform>%n 星</numerusform>
        </translation>
    </message>
    <message>
        <source>Select one or more cases (or an officer's row) in the list first.</source>
        <translation>请先在列表中选择一个或多个案件（或某位民警所在行）。</translation>
    </message>
    <message numerus="yes">
        <source>Urge %n case(s)</source>
        <translation>
            <numerusform>督办 %n 件</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) could not be changed: </source>
        <translation>
            <numerusform>%n 件未能处理：</numerusform>
        </translation>
    </message>
    <message>
        <source>Urged %1 case(s); sent with the next sync.</source>
        <translation>已督办 %1 件案件，将在下次同步时发送。</translation>
    </message>
    <message>
        <source>Reassigned %1 case(s); sent with the next sync.</source>
        <translation>已改派 %1 件案件，将在下次同步时发送。</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s) selected. Message to the officers:</source>
        <translation>
            <numerusform>已选 %n 件。给承办民警的督办意见：</numerusform>
        </translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
    <message numerus="yes">
        <source>%1 to %2 (%n day(s))</source>
        <translation>
            <numerusform>%1 至 %2（%n 天）</numerusform>
        </translation>
    </message>
    <message>
        <source>Exported at</source>
        <translation>导出时间</translation>
    </message>
    <message>
        <source>Personal data</source>
        <translation>个人信息</translation>
    </message>
    <message>
        <source>masked</source>
        <translation>已脱敏</translation>
    </message>
    <message>
        <source>shown</source>
        <translation>已显示</translation>
    </message>
    <message>
        <source>Case number</source>
        <translation>案件编号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>群众姓名</translation>
    </message>
    <message>
        <source>Deadline state</source>
        <translation>时限情况</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>联系电话</translation>
    </message>
</context>
<context>
    <name>SyncBridge</name>
    <message>
        <source>The server refused the password: log out and log in again (your work is kept).</source>
        <translation>服务器拒绝了该密码：请注销后重新登录（您的工作已保留）。</translation>
    </message>
    <message>
        <source>The server cannot be reached.</source>
        <translation>无法连接服务器。</translation>
    </message>
    <message>
        <source>The server is busy.</source>
        <translation>服务器繁忙。</translation>
    </message>
    <message>
        <source>The last sync failed.</source>
        <translation>上次同步失败。</translation>
    </message>
    <message>
        <source>%1 Next try at %2 (F5 tries now).</source>
        <translation>%1将于 %2 重试（按 F5 立即重试）。</translation>
    </message>
</context>
<context>
    <name>Text</name>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <source>Now: %1</source>
        <translation>现为：%1</translation>
    </message>
    <message>
        <source>To: %1</source>
        <translation>转至：%1</translation>
    </message>
    <message>
        <source>Score: %1 / 5</source>
        <translation>评分：%1 / 5</translation>
    </message>
    <message>
        <source>SMS notice sent</source>
        <translation>已发送短信提示</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Closed %1</source>
        <translation>已办结 %1</translation>
    </message>
    <message>
        <source>Accepted %1</source>
        <translation>已受理 %1</translation>
    </message>
    <message>
        <source>Replied %1</source>
        <translation>已答复 %1</translation>
    </message>
    <message>
        <source>Done %1</source>
        <translation>已完成 %1</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>按时完成</translation>
    </message>
    <message>
        <source>Late, done offline on time</source>
        <translation>离线按时办理，送达较晚</translation>
    </message>
    <message>
        <source>Met late</source>
        <translation>超期完成</translation>
    </message>
    <message numerus="yes">
        <source>%n working day(s)</source>
        <translation>
            <numerusform>%n 个工作日</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n 天</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n 小时</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 d</source>
        <translation>%1天</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1小时</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1分</translation>
    </message>
    <message>
        <source>%1 overdue</source>
        <translation>超期 %1</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>Started %1; the limit is %2.</source>
        <translation>%1 开始计时，时限 %2。</translation>
    </message>
    <message>
        <source>holiday (%1)</source>
        <translation>节假日（%1）</translation>
    </message>
    <message>
        <source>holiday</source>
        <translation>节假日</translation>
    </message>
    <message>
        <source>weekend</source>
        <translation>周末</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 至 %2</translation>
    </message>
    <message>
        <source>Not counted: %1, %2.</source>
        <translation>不计入：%1，%2。</translation>
    </message>
    <message>
        <source>Counted: %1, an adjusted working day</source>
        <translation>计入：%1，调休上班</translation>
    </message>
    <message>
        <source>.</source>
        <translation>。</translation>
    </message>
    <message>
        <source>Paused while waiting for the citizen: %1 to %2.</source>
        <translation>等待群众补充材料期间暂停：%1 至 %2。</translation>
    </message>
    <message>
        <source>Paused while waiting for the citizen since %1.</source>
        <translation>自 %1 起等待群众补充材料，暂停计时。</translation>
    </message>
    <message>
        <source>%1's holiday schedule is not published yet: weekends only, provisional.</source>
        <translation>%1 年节假日安排尚未公布：暂按周末计算，期限为暂定。</translation>
    </message>
    <message>
        <source>Stopped %1 (received by the platform).</source>
        <translation>%1 停止计时（平台收到时间）。</translation>
    </message>
    <message>
        <source>Done by the officer %1.</source>
        <translation>民警办理时间 %1。</translation>
    </message>
    <message>
        <source>Due %1.</source>
        <translation>截止 %1。</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>Transfer to another unit</source>
        <translation>转办至其他单位</translation>
    </message>
    <message>
        <source>Filter units…</source>
        <translation>筛选单位…</translation>
    </message>
    <message>
        <source>Filter units</source>
        <translation>筛选单位</translation>
    </message>
    <message>
        <source>&amp;Find:</source>
        <translation>查找(&amp;F)：</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>(current)</source>
        <translation>（当前）</translation>
    </message>
    <message>
        <source>&amp;Unit:</source>
        <translation>单位(&amp;U)：</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>理由：</translation>
    </message>
    <message>
        <source>Please choose the unit.</source>
        <translation>请选择单位。</translation>
    </message>
    <message>
        <source>Please write the reason.</source>
        <translation>请填写理由。</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Service category</source>
        <translation>业务类别</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Has unsent work</source>
        <translation>有未发送的操作</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日到期</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周到期</translation>
    </message>
    <message>
        <source>Remove the filter %1</source>
        <translation>移除筛选条件 %1</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>筛选</translation>
    </message>
    <message>
        <source>Add a filter: kind, category, channel, status, due, unsent work</source>
        <translation>添加筛选条件：类型、业务类别、渠道、状态、期限、未发送的操作</translation>
    </message>
    <message>
        <source>Add a filter</source>
        <translation>添加筛选条件</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>Save view…</source>
        <translation>保存视图…</translation>
    </message>
    <message>
        <source>Save this filtered queue under a name, in the left pane</source>
        <translation>将筛选后的队列命名保存到左侧列表</translation>
    </message>
    <message>
        <source>(none in the cache)</source>
        <translation>（本地缓存中没有）</translation>
    </message>
</context>
<context>
    <name>SavedViews</name>
    <message>
        <source>Saved view of %1</source>
        <translation>基于“%1”的已保存视图</translation>
    </message>
    <message>
        <source>Save view</source>
        <translation>保存视图</translation>
    </message>
    <message>
        <source>Name of the view (at most %1 characters):</source>
        <translation>视图名称（最多 %1 个字）：</translation>
    </message>
    <message>
        <source>Rename view</source>
        <translation>重命名视图</translation>
    </message>
    <message>
        <source>New name of the view:</source>
        <translation>视图的新名称：</translation>
    </message>
    <message>
        <source>Delete view</source>
        <translation>删除视图</translation>
    </message>
    <message>
        <source>Delete the saved view “%1”? The cases stay as they are.</source>
        <translation>删除已保存的视图“%1”？案件本身不受影响。</translation>
    </message>
    <message>
        <source>The view could not be saved: %1</source>
        <translation>视图未能保存：%1</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>RelatedCases</name>
    <message>
        <source>same phone</source>
        <translation>同一电话</translation>
    </message>
    <message>
        <source>same ID number</source>
        <translation>同一身份证号</translation>
    </message>
    <message>
        <source>similar title</source>
        <translation>标题相近</translation>
    </message>
    <message>
        <source>Related cases</source>
        <translation>相关案件</translation>
    </message>
    <message>
        <source>Related cases (%1): the same citizen or a very similar title</source>
        <translation>相关案件（%1）：同一群众或标题相近</translation>
    </message>
</context>
<context>
    <name>CaseSheet</name>
    <message>
        <source>Case sheet</source>
        <translation>案件单</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Service item</source>
        <translation>服务事项</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Responsible unit</source>
        <translation>责任单位</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>责任人</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <source>Accountability</source>
        <translation>受理情况</translation>
    </message>
    <message>
        <source>Claimed</source>
        <translation>领取</translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation>%1，%2</translation>
    </message>
    <message>
        <source>personal data masked</source>
        <translation>个人信息已遮蔽</translation>
    </message>
    <message>
        <source>personal data shown; the viewing is recorded</source>
        <translation>个人信息已显示，查看已留痕</translation>
    </message>
    <message>
        <source>Citizen</source>
        <translation>群众</translation>
    </message>
    <message>
        <source>(none given)</source>
        <translation>（未提供）</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>诉求</translation>
    </message>
    <message>
        <source>Clocks</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>No clocks.</source>
        <translation>无时限。</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>办理记录</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>By</source>
        <translation>办理人</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>citizen</source>
        <translation>群众</translation>
    </message>
    <message>
        <source>Printed by %1 (%2) at %3</source>
        <translation>打印人：%1（%2），%3</translation>
    </message>
    <message numerus="yes">
        <source>Case sheets (%n)</source>
        <translation>
            <numerusform>案件单（%n 件）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Paper</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Print case sheet…</source>
        <translation>打印案件单(&amp;P)…</translation>
    </message>
    <message>
        <source>Save case sheet as &amp;PDF…</source>
        <translation>案件单另存为 PDF(&amp;D)…</translation>
    </message>
    <message>
        <source>&amp;Case</source>
        <translation>案件(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Remind me to call back…</source>
        <translation>提醒我回访(&amp;R)…</translation>
    </message>
    <message>
        <source>Case sheet</source>
        <translation>案件单</translation>
    </message>
    <message>
        <source>Select a case in the list first.</source>
        <translation>请先在列表中选择案件。</translation>
    </message>
    <message>
        <source>case-sheets</source>
        <translation>案件单</translation>
    </message>
    <message>
        <source>Save case sheet as PDF</source>
        <translation>案件单另存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>The PDF could not be written: %1</source>
        <translation>无法写入 PDF：%1</translation>
    </message>
    <message>
        <source>Case sheet saved.</source>
        <translation>案件单已保存。</translation>
    </message>
    <message>
        <source>Print case sheet</source>
        <translation>打印案件单</translation>
    </message>
</context>
<context>
    <name>ReminderDialog</name>
    <message>
        <source>Remind me to call back</source>
        <translation>提醒我回访</translation>
    </message>
    <message>
        <source>Remind me to call back on %1 at:</source>
        <translation>在以下时间提醒我回访 %1：</translation>
    </message>
    <message>
        <source>Reminder time</source>
        <translation>提醒时间</translation>
    </message>
    <message>
        <source>A reminder is set on this case.</source>
        <translation>本案件已设回访提醒。</translation>
    </message>
    <message>
        <source>&amp;Set reminder</source>
        <translation>设置提醒(&amp;S)</translation>
    </message>
    <message>
        <source>Called &amp;back</source>
        <translation>已回访(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Dismiss</source>
        <translation>取消提醒(&amp;D)</translation>
    </message>
    <message>
        <source>S&amp;nooze an hour</source>
        <translation>一小时后再提醒(&amp;N)</translation>
    </message>
</context>
<context>
    <name>ReminderWatcher</name>
    <message>
        <source>Callbacks due</source>
        <translation>待回访</translation>
    </message>
    <message numerus="yes">
        <source>%n callback(s) due: </source>
        <translation>
            <numerusform>%n 件待回访：</numerusform>
        </translation>
    </message>
    <message>
        <source>Callback reminder</source>
        <translation>回访提醒</translation>
    </message>
    <message>
        <source>%1 has left your scope (transferred or reassigned); its callback reminder is closed.</source>
        <translation>%1 已不在您的范围内（已转办或改派），其回访提醒已关闭。</translation>
    </message>
</context>
<context>
    <name>EditDialog</name>
    <message>
        <source>Edit unsent %1</source>
        <translation>修改未发送的%1</translation>
    </message>
    <message>
        <source>Case %1. The new text replaces the old one; nothing has been sent yet.</source>
        <translation>案件 %1。新内容将替换原内容；尚未发送。</translation>
    </message>
</context>
<context>
    <name>AttachList</name>
    <message>
        <source>Attach &amp;files…</source>
        <translation>添加附件(&amp;F)…</translation>
    </message>
    <message>
        <source>Attach files (or drop them here)</source>
        <translation>添加附件（也可把文件拖到这里）</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1: the file cannot be read.</source>
        <translation>%1：无法读取该文件。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>移除 %1</translation>
    </message>
</context>
<context>
    <name>AttachmentViewer</name>
    <message>
        <source>The image is too large to open safely (%1 × %2 pixels).</source>
        <translation>图片过大，无法安全打开（%1 × %2 像素）。</translation>
    </message>
    <message>
        <source>The image is too large to open safely.</source>
        <translation>图片过大，无法安全打开。</translation>
    </message>
    <message>
        <source>The image cannot be read: the file is damaged or not an image.</source>
        <translation>无法读取图片：文件已损坏或不是图片。</translation>
    </message>
    <message>
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适合窗口</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save a copy outside the encrypted cache (Ctrl+S)</source>
        <translation>在加密缓存之外保存一份副本（Ctrl+S）</translation>
    </message>
    <message>
        <source>File text</source>
        <translation>文件内容</translation>
    </message>
    <message>
        <source>This type of file cannot be shown here. Save it to open it elsewhere.</source>
        <translation>此类文件无法在这里显示。可另存后用其他程序打开。</translation>
    </message>
    <message>
        <source>The PDF cannot be opened: the file is damaged or protected.</source>
        <translation>无法打开 PDF：文件已损坏或受保护。</translation>
    </message>
    <message>
        <source>The PDF has no pages.</source>
        <translation>该 PDF 没有页面。</translation>
    </message>
    <message>
        <source>Page %1 of the PDF cannot be shown: the file is damaged.</source>
        <translation>PDF 第 %1 页无法显示：文件已损坏。</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>第 %1 页，共 %2 页</translation>
    </message>
</context>
<context>
    <name>FilesPanel</name>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Files of the case</source>
        <translation>案件附件</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Came with</source>
        <translation>来自</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save a copy outside the encrypted cache (recorded)</source>
        <translation>在加密缓存之外保存一份副本（将被记录）</translation>
    </message>
    <message numerus="yes">
        <source>Files (%n)</source>
        <translation>
            <numerusform>附件（%n 个）</numerusform>
        </translation>
    </message>
    <message>
        <source>Yours, not sent yet</source>
        <translation>本人添加，尚未发送</translation>
    </message>
    <message>
        <source>An entry not in the cache</source>
        <translation>缓存中没有的记录</translation>
    </message>
    <message>
        <source>The request · %1</source>
        <translation>原始诉求 · %1</translation>
    </message>
    <message>
        <source>citizen</source>
        <translation>群众</translation>
    </message>
    <message>
        <source>%1 · %2 · %3</source>
        <translation>%1 · %2 · %3</translation>
    </message>
    <message>
        <source>Uploading: %1%</source>
        <translation>正在上传：%1%</translation>
    </message>
    <message>
        <source>Waiting to upload</source>
        <translation>等待上传</translation>
    </message>
    <message>
        <source>In the cache</source>
        <translation>已缓存</translation>
    </message>
    <message>
        <source>Not downloaded yet</source>
        <translation>尚未下载</translation>
    </message>
    <message>
        <source>This file is not downloaded yet. It is downloaded with the next sync while the server can be reached.</source>
        <translation>该文件尚未下载。连上服务器后，将在下次同步时下载。</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>正在打开…</translation>
    </message>
    <message>
        <source>The file could not be read from the cache.</source>
        <translation>无法从缓存读取该文件。</translation>
    </message>
    <message>
        <source>Saving a copy of %1 …</source>
        <translation>正在保存 %1 的副本…</translation>
    </message>
    <message>
        <source>Save a copy</source>
        <translation>保存副本</translation>
    </message>
    <message>
        <source>The copy of “%1” is saved outside the encrypted cache, as an ordinary file anyone with access to that folder can read. Saving it is recorded in the case. Continue?</source>
        <translation>“%1”的副本将保存在加密缓存之外，成为普通文件，能访问该文件夹的人都能读取。保存操作会记录在案件中。是否继续？</translation>
    </message>
    <message>
        <source>Saved a copy to %1</source>
        <translation>已将副本保存到 %1</translation>
    </message>
</context>
</TS>
