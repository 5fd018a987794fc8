<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name />
    <message>
        <source>【训练模式 · 非正式票据】</source>
        <extracomment>(context, source) -&gt; the text in the cashier's language lines printed under the item, indented (a drug's spec and traceability codes) psn_type (人员类别) names for the codes the platforms here send; another code prints as the code alone the fund rows of the settlement slip, always printed: (label, setlinfo field, the setldetail fund_pay_type codes that make it up when the platform leaves the setlinfo field out) printed only when not zero [facility] kind -&gt; its settlement slip, where it is not the hospital's (drivers.printer.pharmacy adds "pharmacy"; the package imports it, so the layout is there wherever drivers.printer is)</extracomment>
        <translation>[TRAINING · not a valid receipt]</translation>
    </message>
    <message>
        <source>【补打】</source>
        <translation>[REPRINT]</translation>
    </message>
    <message>
        <source>跨省异地</source>
        <translation>Cross-province</translation>
    </message>
    <message>
        <source>本省</source>
        <translation>same province</translation>
    </message>
    <message>
        <source>结算时间</source>
        <translation>Settled at</translation>
    </message>
    <message>
        <source>参保人</source>
        <translation>Insured person</translation>
    </message>
    <message>
        <source>证件号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>医疗类别</source>
        <translation>Medical type</translation>
    </message>
    <message>
        <source>慢特病病种</source>
        <translation>Chronic disease</translation>
    </message>
    <message>
        <source>人员类别</source>
        <translation>Person type</translation>
    </message>
    <message>
        <source>险种</source>
        <translation>Insurance</translation>
    </message>
    <message>
        <source>参保地</source>
        <translation>Insured place</translation>
    </message>
    <message>
        <source>就医地</source>
        <translation>Place of treatment</translation>
    </message>
    <message>
        <source>科室</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>诊断</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>项目</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>全自费</source>
        <translation>Fully self-paid</translation>
    </message>
    <message>
        <source>超限价自费</source>
        <translation>Over price cap</translation>
    </message>
    <message>
        <source>先行自付</source>
        <translation>Co-pay first</translation>
    </message>
    <message>
        <source>符合范围</source>
        <translation>In scope</translation>
    </message>
    <message>
        <source>起付线</source>
        <translation>Deductible</translation>
    </message>
    <message>
        <source>医保基金支付</source>
        <translation>Insurance fund pays</translation>
    </message>
    <message>
        <source>医院负担</source>
        <translation>Hospital bears</translation>
    </message>
    <message>
        <source>个人负担</source>
        <translation>Patient's part</translation>
    </message>
    <message>
        <source>个人账户支付</source>
        <translation>Personal account pays</translation>
    </message>
    <message>
        <source>共济账户支付</source>
        <translation>Family-shared account</translation>
    </message>
    <message>
        <source>个人账户余额</source>
        <translation>Account balance</translation>
    </message>
    <message>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>交易参考号</source>
        <translation>Reference</translation>
    </message>
    <message>
        <source>找零</source>
        <translation>Change given</translation>
    </message>
    <message>
        <source>结算ID</source>
        <translation>Settlement ID</translation>
    </message>
    <message>
        <source>就诊ID</source>
        <translation>Visit ID</translation>
    </message>
    <message>
        <source>报文ID</source>
        <translation>Message ID</translation>
    </message>
    <message>
        <source>机构编码</source>
        <translation>Facility code</translation>
    </message>
    <message>
        <source>收费员</source>
        <translation>Cashier</translation>
    </message>
    <message>
        <source>医保结算单</source>
        <translation>Insurance settlement receipt</translation>
    </message>
    <message>
        <source>应退个人现金</source>
        <translation>Cash to refund</translation>
    </message>
    <message>
        <source>个人现金支付</source>
        <translation>Cash to pay</translation>
    </message>
    <message>
        <source>扫码核验结算信息</source>
        <translation>Scan to verify this settlement</translation>
    </message>
    <message>
        <source>退还预交金余额</source>
        <translation>Deposit balance refund</translation>
    </message>
    <message>
        <source>无需收款</source>
        <translation>Nothing to collect</translation>
    </message>
    <message>
        <source>补缴收款</source>
        <translation>Balance collected</translation>
    </message>
    </context>
<context>
    <name>AddOperatorDialog</name>
    <message>
        <source>新建操作员</source>
        <translation>New operator</translation>
    </message>
    <message>
        <source>首次使用：创建主管账号</source>
        <translation>First start: create the supervisor account</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>再次输入密码</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <source>两次输入的密码不一致</source>
        <translation>The two PINs differ</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>医保结算收费终端</source>
        <extracomment>cash share on the cashier screen (&gt;= 48 pt) and on the customer display</extracomment>
        <translation>Medical Insurance Cashier Terminal</translation>
    </message>
</context>
<context>
    <name>BillPanel</name>
    <message>
        <source>费用明细</source>
        <translation>Bill items</translation>
    </message>
    <message>
        <source>院内编码</source>
        <translation>Hospital code</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>规格</source>
        <translation>Spec</translation>
    </message>
    <message>
        <source>单价</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>加项目</source>
        <translation>Add item</translation>
    </message>
    <message>
        <source>载入账单</source>
        <translation>Load bill</translation>
    </message>
    <message>
        <source>删除行</source>
        <translation>Delete line</translation>
    </message>
    <message>
        <source>共 %1 项</source>
        <translation>%1 items</translation>
    </message>
    <message>
        <source>合计 </source>
        <translation>Total </translation>
    </message>
</context>
<context>
    <name>BusyOverlay</name>
    <message>
        <source>已等待 %1 秒</source>
        <extracomment>the key works while the button is hidden (but enabled): a second button for the same action stays off the screen called instead when the key is pressed while the button cannot act (disabled or hidden): it says why, so that no key does nothing silently</extracomment>
        <translation>Waiting %1 s</translation>
    </message>
</context>
<context>
    <name>CameraScanDialog</name>
    <message>
        <source>摄像头扫码</source>
        <translation>Scan with the camera</translation>
    </message>
    <message>
        <source>请患者将医保码（医保电子凭证）对准摄像头</source>
        <translation>Ask the patient to hold the e-code up to the camera</translation>
    </message>
    <message>
        <source>摄像头不可用</source>
        <translation>Camera not available</translation>
    </message>
</context>
<context>
    <name>CancelReasonDialog</name>
    <message>
        <source>撤销原因</source>
        <translation>Reason for cancelling</translation>
    </message>
    <message>
        <source>撤销结算 %1：请选择原因（↑↓），可补充说明，Enter 确认</source>
        <translation>Cancel settlement %1: choose a reason (↑↓), add a note if needed, Enter</translation>
    </message>
    <message>
        <source>患者要求退费</source>
        <translation>The patient asks for a refund</translation>
    </message>
    <message>
        <source>收费项目或数量有误</source>
        <translation>Wrong item or quantity</translation>
    </message>
    <message>
        <source>险种或人员信息有误</source>
        <translation>Wrong insurance type or person</translation>
    </message>
    <message>
        <source>重复收费</source>
        <translation>Charged twice</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>补充说明（选“其他”时必填）</source>
        <translation>Note (required for Other)</translation>
    </message>
    <message>
        <source>请填写撤销原因</source>
        <translation>Give the reason for cancelling</translation>
    </message>
    <message>
        <source>撤销原因过长（最多 100 字）</source>
        <translation>The reason is too long (100 characters at most)</translation>
    </message>
</context>
<context>
    <name>CardWatch</name>
    <message>
        <source>未配置读卡器</source>
        <translation>No card reader</translation>
    </message>
    <message>
        <source>读卡器就绪</source>
        <translation>Card reader ready</translation>
    </message>
    <message>
        <source>读卡器不可用：</source>
        <translation>Card reader unavailable: </translation>
    </message>
    <message>
        <source>已插卡</source>
        <translation>Card inserted</translation>
    </message>
    <message>
        <source>读卡器就绪（无卡）</source>
        <translation>Card reader ready (no card)</translation>
    </message>
</context>
<context>
    <name>CashierController</name>
    <message>
        <source>检查交易日志</source>
        <extracomment>level (info | ok | warn | error), text the op the cashier is waiting on (Op) or None a settlement was booked (ReceiptData) the duplicate-bill guard refused (DuplicateBill | DuplicateSuspected): the window shows the earlier one at start: settlements a crashed run completed while nobody saw the result (RecoveryReport) the previous patient's card, still in the reader, was read again (Person): the window asks the cashier a parked bill was settled after the platform came back: a refund is due (the worker's outcome) the tender (收款) is open or changed: the window shows the tender dialog a cancelled settlement's refund is open or changed (core.desk_tender.RefundJob) 3101 found warnings (core.risk.RiskReview): the window asks continue / go back per warning the last self-pay checkout (total, change) for the customer display, until the next patient</extracomment>
        <translation>Checking the transaction journal</translation>
    </message>
    <message>
        <source>交易日志检查失败：</source>
        <translation>Journal check failed: </translation>
    </message>
    <message>
        <source>医保平台已恢复连接</source>
        <translation>The insurance platform is reachable again</translation>
    </message>
    <message>
        <source>已签到医保平台</source>
        <translation>Signed in to the insurance platform</translation>
    </message>
    <message>
        <source>签到失败：</source>
        <translation>Sign-in failed: </translation>
    </message>
    <message>
        <source>签到 (9001)</source>
        <translation>Signing in (9001)</translation>
    </message>
    <message>
        <source>按身份证号查询参保信息 (1101)</source>
        <translation>Looking up by ID number (1101)</translation>
    </message>
    <message>
        <source>未配置读卡器；请用医保码（F2）或身份证号（F3）</source>
        <translation>No card reader configured: use the e-code (F2) or the ID number (F3)</translation>
    </message>
    <message>
        <source>读社保卡并查询参保信息</source>
        <translation>Reading the card and looking up the insured person</translation>
    </message>
    <message>
        <source>未配置医保电子凭证服务，无法识别医保码；请刷社保卡或输入身份证号</source>
        <translation>No e-voucher service configured: use the card or the ID number</translation>
    </message>
    <message>
        <source>解析医保码并查询参保信息</source>
        <translation>Resolving the e-code and looking up the insured person</translation>
    </message>
    <message>
        <source>目录中没有此编码：</source>
        <translation>Not in the catalogue: </translation>
    </message>
    <message>
        <source>已添加：</source>
        <translation>Added: </translation>
    </message>
    <message>
        <source>补结算完成（编号 %1，%2）：应退患者 %3。请按 F7 在队列中办理退款，付清后标记“退款已付”</source>
        <translation>Parked bill %1 (%2) settled: refund %3 to the patient. Press F7, pay it from the queue and mark it "Refund paid"</translation>
    </message>
<message>
        <source>收款记录未能写入交易日志：</source>
        <translation>The tender could not be written to the journal: </translation>
    </message>
    <message>
        <source>；请记下本笔并联系信息科</source>
        <translation>; note this payment down and call IT</translation>
    </message>
    <message>
        <source>打印退款凭条</source>
        <translation>Print the refund slip</translation>
    </message>
    <message>
        <source>医保不可用</source>
        <translation>insurance unavailable</translation>
    </message>
    <message>
        <source>打印自费凭条</source>
        <translation>Print the self-pay receipt</translation>
    </message>
<message>
        <source>打印补结算凭条</source>
        <translation>Printing the deferred-settlement slip</translation>
    </message>
    <message>
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
    </message>
    <message>
        <source>没有可打印的结算单</source>
        <translation>No receipt to print</translation>
    </message>
    <message>
        <source>已重打结算单：</source>
        <translation>Receipt reprinted: </translation>
    </message>
    <message>
        <source>结算单已输出：</source>
        <translation>Receipt printed: </translation>
    </message>
    <message>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <source>；可在日志中重打</source>
        <translation>; reprint it from the journal</translation>
    </message>
    <message>
        <source>打印结算单</source>
        <translation>Printing the receipt</translation>
    </message>
<message>
        <source>无需收款。Esc 下一位 · F10 撤销（需主管）</source>
        <translation>Nothing to collect. Esc next patient · F10 cancel (supervisor)</translation>
    </message>
    <message>
        <source>待收款 %1：F9 收款（Enter 现金收齐）· F10 撤销（需主管）</source>
        <translation>To collect %1: F9 tender (Enter: exact cash) · F10 cancel (supervisor)</translation>
    </message>
    <message>
        <source>，找零 </source>
        <translation>, change </translation>
    </message>
    <message>
        <source>已收款：</source>
        <translation>Paid: </translation>
    </message>
    <message>
        <source>。Esc 下一位 · F10 撤销（需主管）</source>
        <translation>. Esc next patient · F10 cancel (supervisor)</translation>
    </message>
</context>
<context>
    <name>ChronicChooser</name>
    <message>
        <source>门诊慢特病 (Ctrl+M)</source>
        <translation>Chronic disease (Ctrl+M)</translation>
    </message>
    <message>
        <source>↑/↓ 选择病种，Enter 确定，Esc 关闭</source>
        <translation>↑/↓ choose the disease, Enter confirms, Esc closes</translation>
    </message>
    <message>
        <source>普通门诊（不按门诊慢特病结算）</source>
        <translation>Ordinary outpatient (not as a chronic disease)</translation>
    </message>
    <message>
        <source>%1 至 %2</source>
        <translation>%1 to %2</translation>
    </message>
    <message>
        <source>长期</source>
        <translation>open-ended</translation>
    </message>
</context>
<context>
    <name>ChronicDesk</name>
    <message>
        <source>查询门诊慢特病备案 (5301)</source>
        <extracomment>[checks] chronic: the deployment's platform offers 5301 and med_type 14; never at a pharmacy's counter (its service, terminal.services.pharmacy, settles med_type 41 and looks up no filings)</extracomment>
        <translation>Looking up chronic disease filings (5301)</translation>
    </message>
    <message>
        <source>本单为门诊慢特病 %1，但该参保人没有此病种的有效备案；请按 Ctrl+M 改为普通门诊或其他已备案病种</source>
        <translation>This bill is for chronic disease %1, but the person has no filing in force for it; Ctrl+M makes it ordinary outpatient or another filed disease</translation>
    </message>
    <message>
        <source>本机构未开通门诊慢特病结算（[checks] chronic）</source>
        <translation>Chronic disease settlement is not offered here ([checks] chronic)</translation>
    </message>
    <message>
        <source>请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）</source>
        <translation>Identify the patient first (F1 card / F2 e-code / F3 ID number)</translation>
    </message>
    <message>
        <source>本单按普通门诊结算</source>
        <translation>This bill settles as ordinary outpatient</translation>
    </message>
    <message>
        <source>该参保人未备案此门诊慢特病：</source>
        <translation>This person has not filed this chronic disease: </translation>
    </message>
    <message>
        <source>不能按门诊慢特病结算：</source>
        <translation>Cannot settle as a chronic disease: </translation>
    </message>
    <message>
        <source>本单按门诊慢特病结算：</source>
        <translation>This bill settles as chronic disease: </translation>
    </message>
    <message>
        <source>（按 F5 预结算）</source>
        <translation> (F5 to pre-settle)</translation>
    </message>
</context>
<context>
    <name>ChronicKeys</name>
    <message>
        <source>备案已于 %1 到期</source>
        <translation>filing expired %1</translation>
    </message>
    <message>
        <source>备案自 %1 起生效</source>
        <translation>filing starts %1</translation>
    </message>
    <message>
        <source>门诊慢特病备案：</source>
        <translation>Chronic disease filings: </translation>
    </message>
    <message>
        <source>查询中…</source>
        <translation>looking up…</translation>
    </message>
    <message>
        <source>门诊慢特病备案查询失败：</source>
        <translation>Chronic disease filings lookup failed: </translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>有效</source>
        <translation>in force</translation>
    </message>
    <message>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <source>Ctrl+M 按门诊慢特病结算</source>
        <translation>Ctrl+M settles it as a chronic disease</translation>
    </message>
    <message>
        <source>本单：门诊慢特病 </source>
        <translation>This bill: chronic disease </translation>
    </message>
    <message>
        <source>本机构未开通门诊慢特病结算（[checks] chronic）</source>
        <translation>Chronic disease settlement is not offered here ([checks] chronic)</translation>
    </message>
    <message>
        <source>请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）</source>
        <translation>Identify the patient first (F1 card / F2 e-code / F3 ID number)</translation>
    </message>
    <message>
        <source>正在查询门诊慢特病备案，请稍候再按 Ctrl+M</source>
        <translation>Looking up the chronic disease filings; press Ctrl+M again in a moment</translation>
    </message>
    <message>
        <source>该参保人没有门诊慢特病备案；如需备案，请参保人到参保地医保经办机构或国家医保服务平台办理</source>
        <translation>This person has no chronic disease filing; they file with the insured place's agency or the national medical insurance app</translation>
    </message>
</context>
<context>
    <name>CodeEntry</name>
    <message>
        <source>录入条码</source>
        <translation>Enter barcode</translation>
    </message>
    <message>
        <source>药盒条码（13 位）、药店自编码或追溯码（20 位），回车添加；Esc 关闭</source>
        <translation>Box barcode (13 digits), the pharmacy's code or a traceability code (20 digits), Enter adds; Esc closes</translation>
    </message>
</context>
<context>
    <name>CodeNames</name>
    <message>
        <source>男</source>
        <translation>male</translation>
    </message>
    <message>
        <source>女</source>
        <translation>female</translation>
    </message>
    <message>
        <source>正常参保</source>
        <translation>Insured</translation>
    </message>
    <message>
        <source>暂停参保</source>
        <translation>Suspended</translation>
    </message>
    <message>
        <source>终止参保</source>
        <translation>Terminated</translation>
    </message>
    <message>
        <source>未参保</source>
        <translation>Not insured</translation>
    </message>
    <message>
        <source>职工基本医疗保险</source>
        <translation>Employee basic medical insurance</translation>
    </message>
    <message>
        <source>公务员医疗补助</source>
        <translation>Civil servant medical subsidy</translation>
    </message>
    <message>
        <source>大额医疗费用补助</source>
        <translation>Large medical expense subsidy</translation>
    </message>
    <message>
        <source>离休人员医疗保障</source>
        <translation>Retired cadre medical cover</translation>
    </message>
    <message>
        <source>城乡居民基本医疗保险</source>
        <translation>Resident basic medical insurance</translation>
    </message>
    <message>
        <source>城乡居民大病医疗保险</source>
        <translation>Resident critical illness insurance</translation>
    </message>
    <message>
        <source>生育保险</source>
        <translation>Maternity insurance</translation>
    </message>
    <message>
        <source>医保电子凭证</source>
        <translation>Medical insurance e-code</translation>
    </message>
    <message>
        <source>居民身份证</source>
        <translation>ID card</translation>
    </message>
    <message>
        <source>社会保障卡</source>
        <translation>Social security card</translation>
    </message>
    <message>
        <source>收费员</source>
        <translation>Cashier</translation>
    </message>
    <message>
        <source>主管</source>
        <translation>supervisor</translation>
    </message>
    <message>
        <source>冲正</source>
        <translation>Reversal</translation>
    </message>
    <message>
        <source>撤销结算</source>
        <translation>Cancel settlement</translation>
    </message>
    <message>
        <source>撤销费用明细</source>
        <translation>Cancel fee lines</translation>
    </message>
    <message>
        <source>签退</source>
        <translation>Sign-out</translation>
    </message>
    <message>
        <source>对总账</source>
        <translation>Reconcile totals</translation>
    </message>
    <message>
        <source>补结算</source>
        <translation>Deferred settlement</translation>
    </message>
    <message>
        <source>商品销售上传/3505</source>
        <translation>Sales upload/3505</translation>
    </message>
    <message>
        <source>排队中</source>
        <translation>Queued</translation>
    </message>
    <message>
        <source>处理中</source>
        <translation>Working</translation>
    </message>
    <message>
        <source>已完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>平台拒绝</source>
        <translation>refused</translation>
    </message>
    <message>
        <source>结果未知</source>
        <translation>Outcome unknown</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已处理</source>
        <translation>Handled</translation>
    </message>
    <message>
        <source>待补结算</source>
        <translation>To settle later</translation>
    </message>
    <message>
        <source>补结算中</source>
        <translation>Settling</translation>
    </message>
    <message>
        <source>已补结算</source>
        <translation>Settled later</translation>
    </message>
    <message>
        <source>补结算失败</source>
        <translation>Settling failed</translation>
    </message>
    <message>
        <source>甲类</source>
        <translation>Class A</translation>
    </message>
    <message>
        <source>乙类</source>
        <translation>Class B</translation>
    </message>
    <message>
        <source>丙类</source>
        <translation>Class C</translation>
    </message>
</context>
<context>
    <name>CompletedSettlementsDialog</name>
    <message>
        <source>上次结算已完成，请核对是否已收费</source>
        <translation>Settled before the restart: check whether the patient has paid</translation>
    </message>
    <message>
        <source>上次结算已完成（%1 笔），请核对是否已收费</source>
        <translation>Settled before the restart (%1): check whether the patient has paid</translation>
    </message>
    <message>
        <source>程序上次在结算完成后、显示结果前中断。以下结算已在医保平台记账；请核对患者是否已缴纳现金部分，不要再次结算同一张单据。</source>
        <translation>The program stopped after these settlements were booked and before their result was shown. They are booked on the platform: check whether the patient paid the cash share, and do not settle the same bill again.</translation>
    </message>
    <message>
        <source>单据号 </source>
        <translation>Bill no. </translation>
    </message>
    <message>
        <source>另有 %1 笔，见日志（F6）</source>
        <translation>%1 more: see the journal (F6)</translation>
    </message>
    <message>
        <source>已核对</source>
        <translation>Checked</translation>
    </message>
</context>
<context>
    <name>CustomerDisplay</name>
    <message>
        <source>请核对您的医保结算</source>
        <translation>Please check your insurance settlement</translation>
    </message>
    <message>
        <source>训练模式 · 非真实结算</source>
        <translation>Training mode · not a real settlement</translation>
    </message>
    <message>
        <source>您需支付（现金）</source>
        <translation>You pay (cash)</translation>
    </message>
    <message>
        <source>医保基金支付部分由医保直接结算，您无需垫付</source>
        <translation>The insurance share is settled directly: you do not advance it</translation>
    </message>
    <message>
        <source>正在为您办理出院结算…</source>
        <translation>Your discharge settlement is being prepared…</translation>
    </message>
    <message>
        <source>出院结算完成，谢谢</source>
        <translation>Discharge settled, thank you</translation>
    </message>
    <message>
        <source>您需补缴</source>
        <translation>You pay in addition</translation>
    </message>
    <message>
        <source>退还您（预交金余额）</source>
        <translation>Refunded to you (deposit balance)</translation>
    </message>
    <message>
        <source>预交金正好结清，无需补缴</source>
        <translation>The deposit covers it exactly: nothing to pay</translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>医保基金支付</source>
        <translation>Insurance fund pays</translation>
    </message>
    <message>
        <source>个人账户支付</source>
        <translation>Personal account pays</translation>
    </message>
    <message>
        <source>个人现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>已交预交金</source>
        <translation>Deposit paid</translation>
    </message>
    <message>
        <source>您好，</source>
        <translation>Hello, </translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
    <message>
        <source>欢迎就医</source>
        <translation>Welcome</translation>
    </message>
    <message>
        <source>险种：</source>
        <translation>Insurance: </translation>
    </message>
    <message>
        <source>门诊慢特病：</source>
        <translation>Chronic disease: </translation>
    </message>
    <message>
        <source>医保平台暂不可用：可能需先全额支付，平台恢复后退还医保支付部分</source>
        <translation>The insurance platform is unavailable: you may pay in full now; the insurance share is refunded once it is back</translation>
    </message>
    <message>
        <source>医保平台暂不可用</source>
        <translation>The insurance platform is unavailable</translation>
    </message>
    <message>
        <source>本次按全额收费，请保留凭条</source>
        <translation>Paid in full this time: please keep the slip</translation>
    </message>
    <message>
        <source>您需支付（全额）</source>
        <translation>You pay (in full)</translation>
    </message>
    <message>
        <source>补结算编号 </source>
        <translation>Parked bill no. </translation>
    </message>
    <message>
        <source>平台恢复后自动补办医保结算</source>
        <translation>Settled with insurance once the platform is back</translation>
    </message>
    <message>
        <source>医保应付部分凭此凭条退还给您</source>
        <translation>The insurance share is refunded to you against this slip</translation>
    </message>
    <message>
        <source>医保平台暂不可用：本次先全额支付，平台恢复后退还医保支付部分</source>
        <translation>The insurance platform is unavailable: pay in full now; the insurance share is refunded once it is back</translation>
    </message>
    <message>
        <source>正在为您办理退款</source>
        <translation>Your refund is on its way</translation>
    </message>
    <message>
        <source>已退还您</source>
        <translation>Paid back to you</translation>
    </message>
    <message>
        <source>退还您</source>
        <translation>We pay you back</translation>
    </message>
    <message>
        <source>本次为自费收费，不经医保结算</source>
        <translation>Self-pay: not settled with your insurance</translation>
    </message>
    <message>
        <source>请支付（%1）</source>
        <translation>Please pay (%1)</translation>
    </message>
    <message>
        <source>还需支付</source>
        <translation>Still to pay</translation>
    </message>
    <message>
        <source>自费收款完成，谢谢</source>
        <translation>Self-pay complete, thank you</translation>
    </message>
    <message>
        <source>找零</source>
        <translation>Change given</translation>
    </message>
    <message>
        <source>您已支付</source>
        <translation>You paid</translation>
    </message>
    <message>
        <source>参保状态异常</source>
        <translation>insurance not active</translation>
    </message>
    <message>
        <source>您的医保暂不能使用（%1），不能结算。
可选择自费结算，或联系参保地医保经办机构。请咨询收费员</source>
        <translation>Your insurance cannot be used now (%1): it cannot settle.
You may pay yourself (self-pay), or contact your insurance agency. Please ask the cashier</translation>
    </message>
    <message>
        <source>医保暂不能使用：自费结算时费用由您全额支付</source>
        <translation>Insurance cannot be used: a self-pay bill is paid by you in full</translation>
    </message>
    <message>
        <source>请取回您的社保卡</source>
        <translation>Please take your social security card</translation>
    </message>
    <message>
        <source>正在与医保平台确认结算结果，请稍候</source>
        <translation>Confirming the settlement with the insurance platform, please wait</translation>
    </message>
    <message>
        <source>正在为您办理医保结算…</source>
        <translation>Preparing your insurance settlement…</translation>
    </message>
    <message>
        <source>请出示社保卡或医保码</source>
        <translation>Please show your social security card or insurance e-code</translation>
    </message>
    <message>
        <source>请核对金额</source>
        <translation>Please check the amounts</translation>
    </message>
    <message>
        <source>正在结算，请稍候</source>
        <translation>Settling, please wait</translation>
    </message>
    <message>
        <source>结算完成，谢谢</source>
        <translation>Settled, thank you</translation>
    </message>
    <message>
        <source>本次结算已撤销</source>
        <translation>This settlement was cancelled</translation>
    </message>
    <message>
        <source>请用手机扫码支付</source>
        <translation>Scan to pay with your phone</translation>
    </message>
    <message>
        <source>无需退还现金</source>
        <translation>No cash to pay back</translation>
    </message>
    <message>
        <source>医保结算完成，请付款</source>
        <translation>Insurance settled, please pay</translation>
    </message>
    <message>
        <source>还需支付（%1）</source>
        <translation>Still to pay (%1)</translation>
    </message>
    <message>
        <source>您无需支付现金</source>
        <translation>Nothing to pay in cash</translation>
    </message>
    <message>
        <source>您需支付</source>
        <translation>You pay</translation>
    </message>
    <message>
        <source>医疗费总额 </source>
        <translation>Total medical cost </translation>
    </message>
    <message>
        <source>医保基金支付 </source>
        <translation>Paid by the insurance fund </translation>
    </message>
    <message>
        <source>个人账户支付 </source>
        <translation>Paid from your personal account </translation>
    </message>
</context>
<context>
    <name>DayCloseDialog</name>
    <message>
        <source>日结</source>
        <translation>Day close</translation>
    </message>
<message>
        <source>打印报表</source>
        <translation>Print report</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>已打印：</source>
        <translation>Printed: </translation>
    </message>
    <message>
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
    </message>
</context>
<context>
    <name>DepositRefundDialog</name>
    <message>
        <source>退还预交金余额</source>
        <translation>Deposit balance refund</translation>
    </message>
    <message>
        <source>出院退还预交金余额</source>
        <translation>Deposit balance refunded at discharge</translation>
    </message>
    <message>
        <source>预交金 %1 − 个人现金 %2（结算ID %3）</source>
        <translation>Deposits %1 − cash share %2 (settlement %3)</translation>
    </message>
    <message>
        <source>退款完成，出院结算单已打印。Enter 关闭</source>
        <translation>Refund done, discharge slip printed. Enter closes</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <source>；平台持续不可用时可按 F11 离线挂账</source>
        <translation>; if the platform stays unreachable, F11 parks the bill</translation>
    </message>
    <message>
        <source>请等待当前操作完成，或按 Esc 放弃</source>
        <translation>Wait for the current step to finish, or press Esc to abandon it</translation>
    </message>
    <message>
        <source>正在结算，请稍候</source>
        <translation>Settling, please wait</translation>
    </message>
    <message>
        <source>上一笔结算结果未知，冲正完成前不能接待下一位</source>
        <translation>The last settlement's outcome is unknown: no next patient until it is reversed</translation>
    </message>
    <message>
        <source>查询参保信息 (1101)</source>
        <translation>Looking up the insured person (1101)</translation>
    </message>
    <message>
        <source>该参保人有多个险种，请先选择险种</source>
        <translation>This person holds several insurance types: choose one first</translation>
    </message>
    <message>
        <source>已识别参保人</source>
        <translation>Insured person identified</translation>
    </message>
    <message>
        <source>参保状态异常：</source>
        <translation>Insurance status: </translation>
    </message>
    <message>
        <source>请等待当前操作完成</source>
        <translation>Wait for the current step to finish</translation>
    </message>
    <message>
        <source>无参保信息</source>
        <translation>no insurance record</translation>
    </message>
    <message>
        <source>，不能医保结算。患者同意自费时按 Ctrl+F9 自费收款</source>
        <translation> cannot be settled with insurance. If the patient agrees to pay in full, press Ctrl+F9 (self-pay)</translation>
    </message>
    <message>
        <source>请先识别参保人（F1 读卡 / F2 医保码 / F3 身份证号）</source>
        <translation>Identify the patient first (F1 card / F2 e-code / F3 ID number)</translation>
    </message>
    <message>
        <source>请先添加收费项目（F4）或载入账单</source>
        <translation>Add items first (F4) or load a bill</translation>
    </message>
    <message>
        <source>当前状态不能预结算</source>
        <translation>Pre-settlement is not possible now</translation>
    </message>
    <message>
        <source>请先选择险种</source>
        <translation>Choose the insurance type first</translation>
    </message>
    <message>
        <source>预结算完成，请核对金额后按 F9 结算</source>
        <translation>Pre-settlement done: check the amounts, then F9 to settle</translation>
    </message>
    <message>
        <source>（无医保待遇）</source>
        <translation> (no insurance entitlement)</translation>
    </message>
    <message>
        <source>上传费用并预结算 (2201/2204/2206)</source>
        <translation>Uploading items and pre-settling (2201/2204/2206)</translation>
    </message>
    <message>
        <source>主管 %1 已授权重复结算（原因：%2）</source>
        <translation>Supervisor %1 allowed settling the bill again (reason: %2)</translation>
    </message>
    <message>
        <source>正在结算，请勿重复操作</source>
        <translation>Settling: do not press again</translation>
    </message>
    <message>
        <source>本笔已结算或结果待定，不能重复结算</source>
        <translation>Already settled or outcome pending: cannot settle again</translation>
    </message>
    <message>
        <source>已冲正，请先按 F5 重新预结算</source>
        <translation>Reversed: press F5 to pre-settle again first</translation>
    </message>
    <message>
        <source>请先按 F5 预结算</source>
        <translation>Press F5 to pre-settle first</translation>
    </message>
    <message>
        <source>结算 (2207)</source>
        <translation>Settling (2207)</translation>
    </message>
    <message>
        <source>结算成功</source>
        <translation>Settled</translation>
    </message>
    <message>
        <source>结算未成功：</source>
        <translation>Not settled: </translation>
    </message>
    <message>
        <source>平台已应答：结算成功</source>
        <translation>The platform answered: settled</translation>
    </message>
    <message>
        <source>结算未成功（未记账）：</source>
        <translation>Not settled (nothing booked): </translation>
    </message>
    <message>
        <source>。可按 F5 重新预结算</source>
        <translation>. Press F5 to pre-settle again</translation>
    </message>
    <message>
        <source>退回个人账户 %1，退还现金 %2，基金 %3</source>
        <translation>back to the personal account %1, cash to return %2, funds %3</translation>
    </message>
    <message>
        <source>，医院负担 </source>
        <translation>, hospital share </translation>
    </message>
    <message>
        <source>该笔已撤销</source>
        <translation>Already cancelled</translation>
    </message>
    <message>
        <source>已撤销结算 </source>
        <translation>Cancelled settlement </translation>
    </message>
    <message>
        <source>（主管 </source>
        <translation>(supervisor </translation>
    </message>
    <message>
        <source>撤销结果未知；医保平台答复从未记账此撤销请求，原结算仍有效、未退款；可重试撤销</source>
        <translation>Cancellation outcome unknown; the platform says it never booked the cancellation: the settlement stands, nothing was refunded; you may cancel again</translation>
    </message>
    <message>
        <source>撤销结果未知，已冲正撤销请求（2601 成功），原结算仍有效、未退款；可重试撤销</source>
        <translation>Cancellation outcome unknown; the cancellation was reversed (2601 done): the settlement stands, nothing was refunded; you may cancel again</translation>
    </message>
    <message>
        <source>撤销结果未知，正在冲正撤销请求；完成前请勿重复撤销</source>
        <translation>Cancellation outcome unknown; reversing the request. Do not cancel again until it is done</translation>
    </message>
    <message>
        <source>撤销未成功：</source>
        <translation>Not cancelled: </translation>
    </message>
    <message>
        <source>撤销结算 (2208)</source>
        <translation>Cancelling (2208)</translation>
    </message>
    <message>
        <source>未启用本地日志，不能登记补结算</source>
        <translation>No local journal: bills cannot be parked</translation>
    </message>
    <message>
        <source>医保平台可用，请正常结算（F5 / F9）</source>
        <translation>The platform is reachable: settle normally (F5 / F9)</translation>
    </message>
    <message>
        <source>请先录入费用</source>
        <translation>Enter the bill first</translation>
    </message>
    <message>
        <source>请先刷卡或输入身份证号（平台离线时也需要凭证）</source>
        <translation>Insert the card or type the ID number first (a credential is needed offline too)</translation>
    </message>
    <message>
        <source>请全额收费 %1（医保平台不可用，已登记补结算 %2）；平台恢复后医保支付部分退还患者。Esc 下一位</source>
        <translation>Collect the full %1 (platform unreachable, parked as %2); the insurance share is refunded to the patient once the platform is back. Esc next patient</translation>
    </message>
    <message>
        <source>登记补结算</source>
        <translation>Parking the bill for deferred settlement</translation>
    </message>
    <message>
        <source>已停止等待。结算结果将在平台应答后自动确认：成功则出票，超时则自动冲正。确认前不能接待下一位</source>
        <translation>Stopped waiting. The outcome is resolved when the platform answers: a receipt if settled, a reversal if it times out. No next patient until then</translation>
    </message>
    <message>
        <source>已放弃：</source>
        <translation>Abandoned: </translation>
    </message>
    <message>
        <source>结算结果未知，冲正完成前不能离开本笔</source>
        <translation>Outcome unknown: this patient stays until the reversal is done</translation>
    </message>
    <message>
        <source>已返回账单</source>
        <translation>Back to the bill</translation>
    </message>
    <message>
        <source>结算结果未确认，不能接待下一位</source>
        <translation>Settlement not confirmed: no next patient yet</translation>
    </message>
</context>
<context>
    <name>DeskBill</name>
    <message>
        <source>请等待当前操作完成</source>
        <translation>Wait for the current step to finish</translation>
    </message>
    <message>
        <source>本笔已结算或结果待定，账单不能再修改；按 Esc 接待下一位</source>
        <translation>Settled or outcome pending: the bill can no longer change; Esc for the next patient</translation>
    </message>
    <message>
        <source>账单文件错误：</source>
        <translation>Bill file error: </translation>
    </message>
    <message>
        <source>已载入账单，共 %1 项</source>
        <translation>Bill loaded, %1 items</translation>
    </message>
</context>
<context>
    <name>DeskPatient</name>
    <message>
        <source>读卡器中仍是上一位患者的社保卡：请确认是否为该患者办理；否则请取回社保卡，插入新患者的卡</source>
        <extracomment>the slip of the bill just parked: the window and the customer display show the full amount until the next patient why the patient on the desk cannot settle with insurance (suspended, no entitlement); '' when they can the card reader: True a card is in, False none, None unknown (no events) the card of the patient just finished while it stays in the reader: reading it again asks first</extracomment>
        <translation>The reader still holds the previous patient's card: confirm it is this patient's, or take it out and insert the new patient's card</translation>
    </message>
    <message>
        <source>请取回社保卡（请提醒患者带走社保卡）</source>
        <translation>Take the card out (remind the patient to take their social security card)</translation>
    </message>
    <message>
        <source>请取回社保卡，并插入新患者的社保卡（或按 F2 医保码 / F3 身份证号）</source>
        <translation>Take the card out and insert the new patient's card (or F2 e-code / F3 ID number)</translation>
    </message>
    <message>
        <source>，不能医保结算。下一步：告知患者；患者同意自费时按 Ctrl+F9 自费收款（全额，不经医保），否则请患者联系参保地医保经办机构核实</source>
        <translation>: no insurance settlement. Next: tell the patient; if they agree to pay themselves press Ctrl+F9 self-pay (in full, without insurance), otherwise ask them to check with their insurance office</translation>
    </message>
    <message>
        <source>请先录入费用（F4），再按 Ctrl+F9 自费收款</source>
        <translation>Enter the items first (F4), then press Ctrl+F9 for self-pay</translation>
    </message>
</context>
<context>
    <name>DeskPrinting</name>
    <message>
        <source>打印补结算凭条</source>
        <translation>Printing the deferred-settlement slip</translation>
    </message>
    <message>
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
    </message>
    <message>
        <source>没有可打印的结算单</source>
        <translation>No receipt to print</translation>
    </message>
    <message>
        <source>已重打结算单：</source>
        <translation>Receipt reprinted: </translation>
    </message>
    <message>
        <source>结算单已输出：</source>
        <translation>Receipt printed: </translation>
    </message>
    <message>
        <source>；</source>
        <translation>; </translation>
    </message>
    <message>
        <source>；可在日志中重打</source>
        <translation>; reprint it from the journal</translation>
    </message>
    <message>
        <source>打印结算单</source>
        <translation>Printing the receipt</translation>
    </message>
</context>
<context>
    <name>DeskRisk</name>
    <message>
        <source>医保事前审核提示 %1 条违规：请逐条选择继续执行（须填写原因）或返回修改</source>
        <extracomment>the platform's fund-supervision checks ([checks] risk_before); None: off the warnings waiting for the cashier's decisions (the window shows them), or None the patient and bill 3101 passed (no warning, or all continued): not asked again</extracomment>
        <translation>Fund supervision flags %1 finding(s): continue (with a reason) or go back and change, one by one</translation>
    </message>
    <message>
        <source>请等待当前操作完成</source>
        <translation>Wait for the current step to finish</translation>
    </message>
    <message>
        <source>账单已变更，请重新按 F5 预结算</source>
        <translation>The bill changed: press F5 to pre-settle again</translation>
    </message>
    <message>
        <source>已反馈医保（返回修改）：请修改账单后重新按 F5 预结算；本笔未上传、未结算</source>
        <translation>Sent to the platform (go back): change the bill, then F5 again; nothing uploaded or settled</translation>
    </message>
    <message>
        <source>。待修改：</source>
        <translation>. To change: </translation>
    </message>
    <message>
        <source>已反馈医保（继续执行），继续预结算</source>
        <translation>Sent to the platform (continue): pre-settling</translation>
    </message>
    <message>
        <source>事前审核反馈 (3103) 未成功：</source>
        <translation>Fund supervision feedback (3103) failed: </translation>
    </message>
    <message>
        <source>；请重新按 F5</source>
        <translation>; press F5 again</translation>
    </message>
    <message>
        <source>事前审核反馈 (3103)</source>
        <translation>Fund supervision feedback (3103)</translation>
    </message>
</context>
<context>
    <name>DischargeDesk</name>
    <message>
        <source>出院结算</source>
        <extracomment>where the discharge slip went (a PDF path or the printer's name) the tender step's hook: what to collect or refund (terminal.core.stay.Due) after a settlement</extracomment>
        <translation>Discharge settlement</translation>
    </message>
    <message>
        <source>F2 医保码 / F3 身份证号 / 住院号</source>
        <translation>F2 e-code / F3 ID number / admission no.</translation>
    </message>
    <message>
        <source>输入住院号或身份证号，或扫描医保码，回车查找</source>
        <translation>Type the admission or ID number, or scan the e-code; Enter finds</translation>
    </message>
    <message>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>读社保卡</source>
        <translation>Read card</translation>
    </message>
    <message>
        <source>使用个人账户</source>
        <translation>Use personal account</translation>
    </message>
    <message>
        <source>预结算</source>
        <translation>Pre-settle</translation>
    </message>
    <message>
        <source>撤销结算</source>
        <translation>Cancel settlement</translation>
    </message>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>重打结算单</source>
        <translation>Reprint slip</translation>
    </message>
    <message>
        <source>确认出院结算</source>
        <translation>Confirm the discharge settlement</translation>
    </message>
    <message>
        <source>结算 (Enter)</source>
        <translation>Settle (Enter)</translation>
    </message>
    <message>
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <source>撤销住院号 %1 的结算（结算ID %2）？</source>
        <translation>Cancel the settlement of admission %1 (settlement ID %2)?</translation>
    </message>
    <message>
        <source>打印出院结算单</source>
        <translation>Printing the discharge slip</translation>
    </message>
    <message>
        <source>出院结算：查找在院或已出院待结算的患者</source>
        <translation>Discharge settlement: find an inpatient or a discharged patient not yet settled</translation>
    </message>
    <message>
        <source>跨省异地</source>
        <translation>Cross-province</translation>
    </message>
    <message>
        <source>省内</source>
        <translation>In province</translation>
    </message>
    <message>
        <source>⚠ 医保平台提示：</source>
        <translation>⚠ Platform notice: </translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>基金支付</source>
        <translation>Fund</translation>
    </message>
    <message>
        <source>医院负担</source>
        <translation>Hospital bears</translation>
    </message>
    <message>
        <source>个人负担</source>
        <translation>Patient's part</translation>
    </message>
    <message>
        <source>个人账户</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>个人现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>预交金(已收)</source>
        <translation>Deposit (paid)</translation>
    </message>
</context>
<context>
    <name>DischargeTender</name>
    <message>
        <source>出院退还预交金余额</source>
        <extracomment>the tender or refund is complete (Tender or RefundJob)</extracomment>
        <translation>Deposit balance refunded at discharge</translation>
    </message>
    <message>
        <source>出院结算完成：无需收款。Esc 下一位</source>
        <translation>Discharge settled: nothing to collect. Esc: next patient</translation>
    </message>
    <message>
        <source>收款记录未能写入交易日志：</source>
        <translation>The tender could not be written to the journal: </translation>
    </message>
    <message>
        <source>；请记下本笔并联系信息科</source>
        <translation>; note this payment down and call IT</translation>
    </message>
    <message>
        <source>已退还您</source>
        <translation>Paid back to you</translation>
    </message>
    <message>
        <source>已收 %1</source>
        <translation>Paid %1</translation>
    </message>
    <message>
        <source>，找零 %1</source>
        <translation>, change %1</translation>
    </message>
    <message>
        <source>找零</source>
        <translation>Change given</translation>
    </message>
</context>
<context>
    <name>DuplicateBillDialog</name>
    <message>
        <source>单据已结算，不能重复结算</source>
        <extracomment>the reason the cashier typed; the window then asks for the supervisor's PIN</extracomment>
        <translation>Bill already settled: it is not settled again</translation>
    </message>
    <message>
        <source>单据 %1 已经结算过</source>
        <translation>Bill %1 has already been settled</translation>
    </message>
    <message>
        <source>为防止重复收费，本次结算已拒绝，未向医保平台发送。请核对患者是否已缴费。</source>
        <translation>To prevent charging twice this settlement was refused; nothing was sent to the platform. Check whether the patient has already paid.</translation>
    </message>
    <message>
        <source>单据 %1 正在结算中</source>
        <translation>Bill %1 is being settled right now</translation>
    </message>
    <message>
        <source>另一窗口（或命令行）正在结算这张单据。请等待它的结果，不要重复结算，也不要重复收费。</source>
        <translation>Another window (or the command line) is settling this bill. Wait for its result; do not settle or charge again.</translation>
    </message>
    <message>
        <source>单据 %1 的上一笔结算结果未知</source>
        <translation>The outcome of the previous settlement of bill %1 is unknown</translation>
    </message>
    <message>
        <source>系统正在冲正上一笔结算；冲正完成前不能再次结算，也不要收取现金。</source>
        <translation>The previous settlement is being reversed; until that is done the bill cannot be settled again. Do not take cash.</translation>
    </message>
    <message>
        <source>此单据共有 %1 笔结算记录</source>
        <translation>This bill has %1 settlements</translation>
    </message>
    <message>
        <source>确需再次结算时：填写原因（记入交易日志），再由主管授权</source>
        <translation>Only if it must be settled again: type the reason (kept in the journal), then a supervisor authorises</translation>
    </message>
    <message>
        <source>主管授权重复结算…</source>
        <translation>Supervisor: settle again…</translation>
    </message>
    <message>
        <source>返回，不结算</source>
        <translation>Back, do not settle</translation>
    </message>
</context>
<context>
    <name>DuplicateSuspectedDialog</name>
    <message>
        <source>可能重复结算</source>
        <translation>Possible duplicate settlement</translation>
    </message>
    <message>
        <source>该参保人的相同账单正在结算或结果未知</source>
        <translation>An identical bill of this person is being settled or its outcome is unknown</translation>
    </message>
    <message>
        <source>该参保人 %1 分钟内已结算过相同账单</source>
        <translation>An identical bill of this person was settled within the last %1 minutes</translation>
    </message>
    <message>
        <source>请核对是否重复收费。只有确认这是另一张账单时才继续结算。</source>
        <translation>Check that the patient is not charged twice. Go on only if this really is another bill.</translation>
    </message>
    <message>
        <source>确认这是另一张账单，继续结算吗？</source>
        <translation>Is this another bill? Settle it?</translation>
    </message>
    <message>
        <source>是，另一张账单，继续</source>
        <translation>Yes, another bill: settle</translation>
    </message>
    <message>
        <source>否，不结算</source>
        <translation>No, do not settle</translation>
    </message>
</context>
<context>
    <name>Duplicates</name>
    <message>
        <source>结算时间</source>
        <translation>Settled at</translation>
    </message>
    <message>
        <source>结算号</source>
        <translation>Settlement ID</translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>基金支付</source>
        <translation>Fund</translation>
    </message>
    <message>
        <source>个人账户</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>个人现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>收费员</source>
        <translation>Cashier</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>CSV 文件 (*.csv)</source>
        <translation>CSV file (*.csv)</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>导出对账结果</source>
        <translation>Export the reconciliation</translation>
    </message>
    <message>
        <source>位置：</source>
        <translation>Look in:</translation>
    </message>
    <message>
        <source>文件名：</source>
        <translation>File name:</translation>
    </message>
    <message>
        <source>文件类型：</source>
        <translation>Files of type:</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>FeeTotalsTable</name>
    <message>
        <source>类别</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>条数</source>
        <translation>Lines</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>全自费</source>
        <translation>Fully self-paid</translation>
    </message>
    <message>
        <source>超限价</source>
        <translation>Over price cap</translation>
    </message>
    <message>
        <source>先行自付</source>
        <translation>Co-pay first</translation>
    </message>
    <message>
        <source>符合范围</source>
        <translation>In scope</translation>
    </message>
</context>
<context>
    <name>FixDialog</name>
    <message>
        <source>处理对账差异</source>
        <extracomment>(action, reason)</extracomment>
        <translation>Fix a reconciliation difference</translation>
    </message>
    <message>
        <source>结算 %1：%2</source>
        <translation>Settlement %1: %2</translation>
    </message>
    <message>
        <source>参保人</source>
        <translation>Insured person</translation>
    </message>
    <message>
        <source>本机 总额 / 基金 / 个人账户</source>
        <translation>Terminal total / fund / account</translation>
    </message>
    <message>
        <source>平台 总额 / 基金 / 个人账户</source>
        <translation>Platform total / fund / account</translation>
    </message>
    <message>
        <source>（建议）</source>
        <translation> (suggested)</translation>
    </message>
    <message>
        <source>处理方式(&amp;A)</source>
        <translation>&amp;Action</translation>
    </message>
    <message>
        <source>原因（记入交易日志），例如：已与医保中心电话核实</source>
        <translation>Reason (kept in the journal), e.g. checked by phone with the insurance centre</translation>
    </message>
    <message>
        <source>原因(&amp;R)</source>
        <translation>&amp;Reason</translation>
    </message>
    <message>
        <source>填写原因后按回车，由主管输入编号和 PIN 授权。</source>
        <translation>Type the reason and press Enter; a supervisor then authorises with ID and PIN.</translation>
    </message>
    <message>
        <source>主管授权并处理…</source>
        <translation>Supervisor authorises and fix…</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>HisDesk</name>
    <message>
        <source>HIS 接口未启动：</source>
        <extracomment>a bill was pushed, replaced or withdrawn (emitted from the interface's threads, handled on the UI thread)</extracomment>
        <translation>HIS interface not started: </translation>
    </message>
    <message numerus="yes">
        <source>待收费 %n 张 (Ctrl+H)</source>
        <translation><numerusform>%n bill(s) waiting (Ctrl+H)</numerusform>
            <numerusform>%n bill(s) waiting (Ctrl+H)</numerusform>
        </translation>
    </message>
    <message>
        <source>待收费 0 (Ctrl+H)</source>
        <translation>No bills waiting (Ctrl+H)</translation>
    </message>
    <message>
        <source>HIS 已撤回单据 </source>
        <translation>The HIS withdrew bill </translation>
    </message>
    <message>
        <source>，请与医生/HIS 核对后再收费</source>
        <translation>; check with the doctor / HIS before charging</translation>
    </message>
    <message>
        <source>此患者有多张待收费单据，请选择</source>
        <translation>This patient has several bills waiting: choose one</translation>
    </message>
    <message>
        <source>HIS 单据错误：</source>
        <translation>HIS bill error: </translation>
    </message>
    <message>
        <source>已载入 HIS 单据 </source>
        <translation>Loaded HIS bill </translation>
    </message>
    <message>
        <source>没有本地交易日志，无法读取 HIS 单据</source>
        <translation>No local journal: HIS bills cannot be read</translation>
    </message>
</context>
<context>
    <name>HisListDialog</name>
    <message>
        <source>待收费（HIS 推送的账单）</source>
        <translation>Bills to charge (pushed by the HIS)</translation>
    </message>
    <message>
        <source>↑/↓ 选择，Enter 载入，Esc 关闭</source>
        <translation>↑/↓ choose, Enter loads, Esc closes</translation>
    </message>
    <message>
        <source>没有待收费的单据</source>
        <translation>No bills waiting</translation>
    </message>
    <message>
        <source>单据号</source>
        <translation>Bill no.</translation>
    </message>
    <message>
        <source>患者</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>推送时间</source>
        <translation>Pushed</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>待收费</source>
        <translation>To charge</translation>
    </message>
    <message>
        <source>已冲正（未扣费）</source>
        <translation>Reversed (not charged)</translation>
    </message>
</context>
<context>
    <name>IdentifyBar</name>
    <message>
        <source>读社保卡</source>
        <translation>Read card</translation>
    </message>
    <message>
        <source>F2 医保码</source>
        <translation>F2 e-code</translation>
    </message>
    <message>
        <source>扫描患者手机上的医保码</source>
        <translation>Scan the e-code on the patient's phone</translation>
    </message>
    <message>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>F3 身份证号</source>
        <translation>F3 ID number</translation>
    </message>
    <message>
        <source>18 位身份证号，回车查询</source>
        <translation>18-digit ID number, Enter to look up</translation>
    </message>
</context>
<context>
    <name>ItemPicker</name>
    <message>
        <source>加项目 — 本地目录</source>
        <translation>Add items — local catalogue</translation>
    </message>
    <message>
        <source>编码、名称或拼音首字母（如 xbdp），↑↓ 选择，* 输数量，回车添加</source>
        <translation>Code, name or pinyin initials (e.g. xbdp); ↑↓ choose, * quantity, Enter adds</translation>
    </message>
    <message>
        <source>数量 (*)</source>
        <translation>Qty (*)</translation>
    </message>
    <message>
        <source>院内编码</source>
        <translation>Hospital code</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>规格</source>
        <translation>Spec</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>单价</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Del 删除刚加的行 · Ctrl+Z 恢复</source>
        <translation>Del removes the line just added · Ctrl+Z brings it back</translation>
    </message>
    <message>
        <source>添加 (Enter)</source>
        <translation>Add (Enter)</translation>
    </message>
    <message>
        <source>完成 (Esc)</source>
        <translation>Done (Esc)</translation>
    </message>
    <message>
        <source>本地目录为空：请先下载目录，或用 Ctrl+O 载入账单</source>
        <translation>The local catalogue is empty: download it first, or load a bill with Ctrl+O</translation>
    </message>
    <message>
        <source>找到 %1 项</source>
        <translation>%1 found</translation>
    </message>
    <message>
        <source>目录中没有匹配的项目</source>
        <translation>Nothing in the catalogue matches</translation>
    </message>
    <message>
        <source>请输入编码、名称或拼音首字母</source>
        <translation>Type a code, a name or pinyin initials</translation>
    </message>
    <message>
        <source>已添加：</source>
        <translation>Added: </translation>
    </message>
</context>
<context>
    <name>JournalDialog</name>
    <message>
        <source>今日结算日志</source>
        <translation>Today's settlements</translation>
    </message>
    <message>
        <source>按结算ID、就诊ID、人员编号或姓名（脱敏）搜索</source>
        <translation>Search by settlement ID, visit ID, person number or masked name</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>结算ID</source>
        <translation>Settlement ID</translation>
    </message>
    <message>
        <source>参保人</source>
        <translation>Insured person</translation>
    </message>
    <message>
        <source>险种</source>
        <translation>Insurance</translation>
    </message>
    <message>
        <source>参保地</source>
        <translation>Insured place</translation>
    </message>
    <message>
        <source>总额</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>基金</source>
        <translation>Fund</translation>
    </message>
    <message>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>重打所选 (Ctrl+P)</source>
        <translation>Reprint selected (Ctrl+P)</translation>
    </message>
    <message>
        <source>请先用 ↓ 选择要重打的结算</source>
        <translation>Select the settlement to reprint with ↓ first</translation>
    </message>
    <message>
        <source>注意：结算 %1（%2）已撤销；重打的结算单注明【已撤销】，不能作为收费凭证</source>
        <translation>Note: settlement %1 (%2) is cancelled; the reprint is marked [cancelled] and is no proof of payment</translation>
    </message>
    <message>
        <source>重打结算 %1（%2）</source>
        <translation>Reprinting settlement %1 (%2)</translation>
    </message>
    <message>
        <source>撤销结算（主管）</source>
        <translation>Cancel settlement (supervisor)</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已结算</source>
        <translation>Settled</translation>
    </message>
    <message>
        <source>共 %1 笔有效结算，现金合计 %2</source>
        <translation>%1 valid settlements, cash total %2</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>操作员登录 — 医保结算收费终端</source>
        <translation>Operator login — Medical Insurance Cashier Terminal</translation>
    </message>
    <message>
        <source>医保结算收费终端</source>
        <translation>Medical Insurance Cashier Terminal</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>训练模式演示账号：</source>
        <translation>Training accounts: </translation>
    </message>
    <message>
        <source>请输入操作员编号和密码</source>
        <translation>Enter the operator ID and PIN</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>医保结算收费终端</source>
        <translation>Medical Insurance Cashier Terminal</translation>
    </message>
    <message>
        <source>训练模式 · 当前连接本机沙箱平台，结算不产生真实费用</source>
        <translation>TRAINING MODE · connected to the local sandbox platform, no real money moves</translation>
    </message>
    <message>
        <source>安全警告：与医保平台的证书校验已关闭（backend.verify_tls = false），连接可被冒充或窃听。请通知信息科尽快恢复证书校验。</source>
        <translation>Security warning: certificate checking with the insurance platform is switched off (backend.verify_tls = false); the connection can be impersonated or overheard. Tell IT to switch it back on soon.</translation>
    </message>
    <message>
        <source>预结算</source>
        <translation>Pre-settle</translation>
    </message>
    <message>
        <source>结算</source>
        <translation>Settle</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>离线挂账</source>
        <translation>Park (offline)</translation>
    </message>
    <message>
        <source>交班</source>
        <translation>Close shift</translation>
    </message>
    <message>
        <source>自费收款</source>
        <translation>Self-pay</translation>
    </message>
    <message>
        <source>日志</source>
        <translation>Journal</translation>
    </message>
    <message>
        <source>队列</source>
        <translation>Queue</translation>
    </message>
    <message>
        <source>对账</source>
        <translation>Reconcile</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>住院结算</source>
        <translation>Discharge</translation>
    </message>
    <message>
        <source>训练模式</source>
        <translation>Training</translation>
    </message>
    <message>
        <source>未找到单据 </source>
        <translation>Bill not found: </translation>
    </message>
    <message>
        <source>（未接入医院 HIS，请用 Ctrl+O 载入账单文件）</source>
        <translation>(no hospital HIS connected: load the bill file with Ctrl+O)</translation>
    </message>
    <message>
        <source>摄像头扫码不可用</source>
        <translation>Camera scanning is not available</translation>
    </message>
    <message>
        <source>已选择险种：</source>
        <translation>Insurance chosen: </translation>
    </message>
    <message>
        <source>结算请求已发出。若长时间无应答，可按 Esc 停止等待：系统不会重复结算，结果将在平台应答后自动确认或冲正。</source>
        <translation>The settlement request is out. If no answer comes, Esc stops waiting: nothing is sent twice, and the outcome is confirmed or reversed when the platform answers.</translation>
    </message>
    <message>
        <source>停止等待 (Esc)</source>
        <translation>Stop waiting (Esc)</translation>
    </message>
    <message>
        <source>可按 Esc 放弃，不影响已完成的步骤。</source>
        <translation>Esc abandons this step; finished steps are kept.</translation>
    </message>
    <message>
        <source>放弃 (Esc)</source>
        <translation>Abandon (Esc)</translation>
    </message>
    <message>
        <source>收款</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>放弃</source>
        <translation>Abandon</translation>
    </message>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>自费结算</source>
        <translation>Self-pay</translation>
    </message>
    <message>
        <source>⚠ 医保平台提示：</source>
        <translation>⚠ Platform notice: </translation>
    </message>
    <message>
        <source>医保平台：在线</source>
        <translation>Platform: online</translation>
    </message>
    <message>
        <source>医保平台：响应慢</source>
        <translation>Platform: slow</translation>
    </message>
    <message>
        <source>医保平台：离线</source>
        <translation>Platform: offline</translation>
    </message>
    <message>
        <source>医保平台：连接中…</source>
        <translation>Platform: connecting…</translation>
    </message>
    <message>
        <source>（未签到）</source>
        <translation> (not signed in)</translation>
    </message>
    <message>
        <source>未发送队列：%1</source>
        <translation>Unsent queue: %1</translation>
    </message>
    <message>
        <source> · 待退款 %1 笔（F7）</source>
        <translation> · refunds due: %1 (F7)</translation>
    </message>
    <message>
        <source>读卡器：</source>
        <translation>Reader: </translation>
    </message>
    <message>
        <source>未知</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>操作员：</source>
        <translation>Operator: </translation>
    </message>
    <message>
        <source>结算结果未确认，不能退出；请等待冲正完成</source>
        <translation>A settlement is unconfirmed: cannot quit until the reversal is done</translation>
    </message>
<message>
        <source>已删除：</source>
        <extracomment>the cashier logs out (after the shift close, or without it): terminal.ui.app shows the login again</extracomment>
        <translation>Removed: </translation>
    </message>
    <message>
        <source>（Ctrl+Z 恢复）</source>
        <translation> (Ctrl+Z brings it back)</translation>
    </message>
    <message>
        <source>没有可恢复的删除</source>
        <translation>Nothing to bring back</translation>
    </message>
    <message>
        <source>已恢复：</source>
        <translation>Back: </translation>
    </message>
    <message>
        <source>载入账单</source>
        <translation>Load bill</translation>
    </message>
    <message>
        <source>账单 (*.json)</source>
        <translation>Bills (*.json)</translation>
    </message>
    <message>
        <source>查找范围：</source>
        <translation>Look in:</translation>
    </message>
    <message>
        <source>文件名：</source>
        <translation>File name:</translation>
    </message>
    <message>
        <source>文件类型：</source>
        <translation>Files of type:</translation>
    </message>
    <message>
        <source>载入</source>
        <translation>Load</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>账单文件错误：</source>
        <translation>Bill file error: </translation>
    </message>
    <message>
        <source>重复结算单据 </source>
        <translation>Settle again: bill </translation>
    </message>
    <message>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <source>请取回社保卡</source>
        <translation>Take the card out</translation>
    </message>
    <message>
        <source>读卡器中仍是上一位患者（%1）的社保卡。
请提醒上一位患者取回社保卡。是否为该患者办理新的业务？</source>
        <translation>The reader still holds the previous patient's (%1) card.
Remind them to take it. Serve this patient again?</translation>
    </message>
    <message>
        <source>是，同一患者 (Y)</source>
        <translation>Yes, same patient (Y)</translation>
    </message>
    <message>
        <source>否，取回卡 (N)</source>
        <translation>No, take the card out (N)</translation>
    </message>
    <message>
        <source>当前没有可撤销的结算；撤销以往结算请在日志（F6）中操作</source>
        <translation>Nothing to cancel here; cancel earlier settlements from the journal (F6)</translation>
    </message>
    <message>
        <source>撤销结算 </source>
        <translation>Cancel settlement </translation>
    </message>
    <message>
        <source>当前患者尚未办完：请先完成或按 Esc 放弃，再注销</source>
        <translation>A patient is still open: finish or press Esc first, then log out</translation>
    </message>
    <message>
        <source>未启用交易日志，无法日结</source>
        <translation>No journal: no day close</translation>
    </message>
    <message>
        <source>日结：正在与医保平台对总账（3201）…</source>
        <translation>Day close: reconciling the totals with the platform (3201)…</translation>
    </message>
    <message>
        <source>日结</source>
        <translation>Day close</translation>
    </message>
    <message>
        <source>日结未完成：</source>
        <translation>Day close not finished: </translation>
    </message>
    <message>
        <source>日结（全部收费员，3201 对总账）</source>
        <translation>Day close (every cashier, 3201 totals)</translation>
    </message>
    <message>
        <source>住院出院结算</source>
        <translation>Inpatient discharge settlement</translation>
    </message>
    <message>
        <source>设置已保存到 </source>
        <translation>Settings saved to </translation>
    </message>
    <message>
        <source>，重新启动后生效</source>
        <translation>; they take effect after a restart</translation>
    </message>
    <message>
        <source>修改设置</source>
        <translation>Change settings</translation>
    </message>
<message>
        <source>自动对账 %1：与平台逐笔一致</source>
        <translation>Scheduled reconciliation %1: agrees with the platform</translation>
    </message>
    <message>
        <source>自动对账 %1：%2 笔差异待处理，请按 F8 查看</source>
        <translation>Scheduled reconciliation %1: %2 differences open, press F8</translation>
    </message>
    <message>
        <source>自动对账 %1：%2（F8 查看）</source>
        <translation>Scheduled reconciliation %1: %2 (F8)</translation>
    </message>
    <message>
        <source>自动对账 %1 未完成（10 分钟后重试）：</source>
        <translation>Scheduled reconciliation %1 not done (retried in 10 minutes): </translation>
    </message>
    <message>
        <source>自动对账 %1 进行中…</source>
        <translation>Scheduled reconciliation %1 running…</translation>
    </message>
    <message>
        <source>自动对账</source>
        <translation>Scheduled reconciliation</translation>
    </message>
</context>
<context>
    <name>PersonPanel</name>
    <message>
        <source>参保人</source>
        <translation>Insured person</translation>
    </message>
    <message>
        <source>跨省异地</source>
        <translation>Cross-province</translation>
    </message>
    <message>
        <source>请刷社保卡（F1）、扫医保码（F2）或输入身份证号（F3）</source>
        <translation>Insert the card (F1), scan the e-code (F2) or type the ID number (F3)</translation>
    </message>
    <message>
        <source>证件号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>性别/年龄</source>
        <translation>Sex/age</translation>
    </message>
    <message>
        <source>参保地</source>
        <translation>Insured place</translation>
    </message>
    <message>
        <source>凭证</source>
        <translation>Credential</translation>
    </message>
    <message>
        <source>账户余额</source>
        <translation>Account balance</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>险种 (Ctrl+I)</source>
        <translation>Insurance (Ctrl+I)</translation>
    </message>
    <message>
        <source>请选择险种</source>
        <translation>Choose the insurance type</translation>
    </message>
    <message>
        <source>使用个人账户</source>
        <translation>Use personal account</translation>
    </message>
    <message>
        <source>待选择险种</source>
        <translation>Choose insurance</translation>
    </message>
    <message>
        <source>岁</source>
        <translation> y</translation>
    </message>
    <message>
        <source>余额</source>
        <translation>balance</translation>
    </message>
</context>
<context>
    <name>PharmacyCounter</name>
    <message>
        <source>已添加：第%1行 %2 ×%3</source>
        <translation>Added: line %1 %2 ×%3</translation>
    </message>
    <message>
        <source>，请扫描该盒追溯码</source>
        <translation>, scan the box's traceability code</translation>
    </message>
    <message>
        <source>追溯码已记录：第%1行 %2（%3/%4）</source>
        <translation>Traceability code recorded: line %1 %2 (%3/%4)</translation>
    </message>
    <message>
        <source>，还缺 %1 个</source>
        <translation>, %1 still missing</translation>
    </message>
    <message>
        <source>当前没有可录入处方号的销售</source>
        <translation>No sale to take a prescription number</translation>
    </message>
    <message>
        <source>本单</source>
        <translation>This bill</translation>
    </message>
    <message>
        <source>处方号已录入：</source>
        <translation>Prescription number entered: </translation>
    </message>
    <message>
        <source>已删除：</source>
        <translation>Removed: </translation>
    </message>
    <message>
        <source>（重新扫码可加回）</source>
        <translation> (scan it again to add it back)</translation>
    </message>
    <message>
        <source>第%1行 %2 数量应为整盒数：</source>
        <translation>Line %1 %2: the quantity is whole boxes: </translation>
    </message>
    <message>
        <source>不能结算：</source>
        <translation>Cannot settle: </translation>
    </message>
</context>
<context>
    <name>PharmacyStrip</name>
    <message>
        <source>扫药盒条码加药（再扫一次加一盒）· 扫 20 位追溯码 · Ctrl+R 处方号 · F4 手工录入条码</source>
        <translation>Scan a box's barcode to add it (again: one more box) · scan the 20-digit traceability code · Ctrl+R prescription no. · F4 type a barcode</translation>
    </message>
    <message>
        <source>追溯码：—</source>
        <translation>Trace codes: —</translation>
    </message>
    <message>
        <source>处方号：</source>
        <translation>Prescription no.: </translation>
    </message>
    <message>
        <source>待录入 (Ctrl+R)</source>
        <translation>to enter (Ctrl+R)</translation>
    </message>
</context>
<context>
    <name>PhoneWindow</name>
    <message>
        <source>患者手机 / 社保卡（训练）</source>
        <translation>Patient's phone / card (training)</translation>
    </message>
    <message>
        <source>医保码</source>
        <translation>Insurance e-code</translation>
    </message>
    <message>
        <source>对准扫码枪</source>
        <translation>Hold to the scanner</translation>
    </message>
    <message>
        <source>插入社保卡</source>
        <translation>Insert card</translation>
    </message>
    <message>
        <source>拔出社保卡</source>
        <translation>Remove card</translation>
    </message>
    <message>
        <source>沙箱没有医保码签发服务，不能演示扫码；请用“插入社保卡”或身份证号（F3）</source>
        <translation>The sandbox issues no e-codes: use "Insert card" or the ID number (F3)</translation>
    </message>
    <message>
        <source>生成医保码失败：</source>
        <translation>Could not issue an e-code: </translation>
    </message>
    <message>
        <source>每分钟自动刷新，每个码只能结算一次；点“对准扫码枪”模拟扫码</source>
        <translation>Refreshes every minute, each code settles once; click "Hold to the scanner" to scan</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>操作员编号</source>
        <translation>Operator ID</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
</context>
<context>
    <name>Preflight</name>
    <message>
        <source>医保待遇检查不可报销：</source>
        <extracomment>(person, insutype, med_type) -&gt; the pre-flight (blocking: network) the med_type every check sends whatever the bill says ('' the bill's: the pharmacy's counter sets "41") the refusal this pre-flight put on the desk (``desk.refused``): a later verdict may lift it, never one the platform or the insurance status made</extracomment>
        <translation>Benefit check, not reimbursable: </translation>
    </message>
    <message>
        <source>医保待遇检查：可按医保结算（F5 预结算）</source>
        <translation>Benefit check: insurance settlement possible (F5 pre-settle)</translation>
    </message>
    <message>
        <source>医保待遇未核实，可按 F5 预结算</source>
        <translation>Benefits not verified; F5 pre-settles</translation>
    </message>
    <message>
        <source>待遇检查 (2001/5302)</source>
        <translation>Benefit check (2001/5302)</translation>
    </message>
    <message>
        <source>：</source>
        <translation>: </translation>
    </message>
    <message>
        <source>正在检查医保待遇与异地备案…</source>
        <translation>Checking the benefits and the cross-province filing…</translation>
    </message>
    <message>
        <source>待遇未核实：</source>
        <translation>Benefits not verified: </translation>
    </message>
    <message>
        <source>可报销</source>
        <translation>Reimbursable</translation>
    </message>
    <message>
        <source>不可报销：</source>
        <translation>Not reimbursable: </translation>
    </message>
    <message>
        <source>未启用待遇检查</source>
        <translation>no benefit check configured</translation>
    </message>
    <message>
        <source>已备案</source>
        <translation>Filed</translation>
    </message>
    <message>
        <source>备案已过期</source>
        <translation>Filing expired</translation>
    </message>
    <message>
        <source>备案尚未生效</source>
        <translation>Filing not yet valid</translation>
    </message>
    <message>
        <source>备案地不是本就医地</source>
        <translation>Filed for another place</translation>
    </message>
    <message>
        <source>未办理异地就医备案</source>
        <translation>No cross-province filing</translation>
    </message>
    <message>
        <source>长期</source>
        <translation>open-ended</translation>
    </message>
</context>
<context>
    <name>QueueDialog</name>
    <message>
        <source>待处理队列</source>
        <translation>Pending work</translation>
    </message>
    <message>
        <source>离线队列（冲正、撤销、补结算…）</source>
        <translation>Offline queue (reversals, cancellations, deferred settlements…)</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Class</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>尝试</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>发生时间</source>
        <translation>Since</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>挂起账单 / 待退款</source>
        <translation>Parked bills / refunds due</translation>
    </message>
    <message>
        <source>患者</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>状态/说明</source>
        <translation>Status / note</translation>
    </message>
    <message>
        <source>立即重试</source>
        <translation>Retry now</translation>
    </message>
    <message>
        <source>标记已人工处理（主管）</source>
        <translation>Mark as handled (supervisor)</translation>
    </message>
    <message>
        <source>退款已付</source>
        <translation>Refund paid</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>挂起账单</source>
        <translation>Parked bill</translation>
    </message>
    <message>
        <source>待退款</source>
        <translation>Refund due</translation>
    </message>
    <message>
        <source>结算ID </source>
        <translation>Settlement ID </translation>
    </message>
    <message>
        <source>读取本地日志失败：</source>
        <translation>Cannot read the local journal: </translation>
    </message>
    <message>
        <source>本地日志模块未启用，仅显示本次运行的冲正</source>
        <translation>No local journal: showing this run's reversals only</translation>
    </message>
    <message>
        <source>平台未记账（未扣款）</source>
        <translation>Never booked (nothing charged)</translation>
    </message>
    <message>
        <source>冲正</source>
        <translation>Reversal</translation>
    </message>
    <message>
        <source>已冲正</source>
        <translation>Reversed</translation>
    </message>
    <message>
        <source>等待冲正</source>
        <translation>Waiting to reverse</translation>
    </message>
    <message>
        <source>离线队列待处理 %1 项</source>
        <translation>Offline queue: %1 waiting</translation>
    </message>
    <message>
        <source>离线队列为空</source>
        <translation>Offline queue: empty</translation>
    </message>
    <message>
        <source>离线队列接近上限：待处理 %1/%2 项，请尽快恢复与医保平台的连接</source>
        <translation>Offline queue nearly full: %1/%2 waiting; restore the connection to the insurance platform soon</translation>
    </message>
    <message>
        <source>请选择一项“平台拒绝”的项目</source>
        <translation>Select an item the platform refused</translation>
    </message>
    <message>
        <source>主管 </source>
        <translation>supervisor </translation>
    </message>
    <message>
        <source>标记队列项目 %1 已人工处理</source>
        <translation>Mark queue item %1 as handled</translation>
    </message>
    <message>
        <source>请选择一项待退款</source>
        <translation>Select a refund due</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <source>【退款说明】</source>
        <translation>[How to get the refund]</translation>
    </message>
    <message>
        <source>平台恢复后本院补办医保结算，</source>
        <translation>Once the platform is back we settle with insurance;</translation>
    </message>
    <message>
        <source>医保应付部分退还给您。</source>
        <translation>the insurance share is paid back to you.</translation>
    </message>
    <message>
        <source>请保留本凭条，凭编号</source>
        <translation>Keep this slip and bring number</translation>
    </message>
    <message>
        <source>%1 到收费窗口退款。</source>
        <translation>%1 at the cashier window for the refund.</translation>
    </message>
    <message>
        <source>【训练模式 · 非正式票据】</source>
        <translation>[TRAINING · not a valid receipt]</translation>
    </message>
    <message>
        <source>项目  数量  金额</source>
        <translation>Item  Qty  Amount</translation>
    </message>
    <message>
        <source>找不到打印机</source>
        <extracomment>the thermal printer's geometry: 8 dots per mm (203 dpi), characters 12 x 24 dots (CJK 24 x 24)</extracomment>
        <translation>Printer not found:</translation>
    </message>
    <message>
        <source>（补打）</source>
        <translation>(reprint)</translation>
    </message>
<message><source>【补打】</source><translation>[REPRINT]</translation></message><message><source>跨省异地</source><translation>Cross-province</translation></message><message><source>本省</source><translation>same province</translation></message><message><source>结算时间</source><translation>Settled at</translation></message><message><source>参保人</source><translation>Insured person</translation></message><message><source>证件号</source><translation>ID number</translation></message><message><source>医疗类别</source><translation>Medical type</translation></message><message><source>慢特病病种</source><translation>Chronic disease</translation></message><message><source>人员类别</source><translation>Person type</translation></message><message><source>险种</source><translation>Insurance</translation></message><message><source>参保地</source><translation>Insured place</translation></message><message><source>就医地</source><translation>Place of treatment</translation></message><message><source>科室</source><translation>Department</translation></message><message><source>诊断</source><translation>Diagnosis</translation></message><message><source>项目</source><translation>Item</translation></message><message><source>数量</source><translation>Qty</translation></message><message><source>金额</source><translation>Amount</translation></message><message><source>类别</source><translation>Class</translation></message><message><source>医疗费总额</source><translation>Total medical cost</translation></message><message><source>全自费</source><translation>Fully self-paid</translation></message><message><source>超限价自费</source><translation>Over price cap</translation></message><message><source>先行自付</source><translation>Co-pay first</translation></message><message><source>符合范围</source><translation>In scope</translation></message><message><source>起付线</source><translation>Deductible</translation></message><message><source>医保基金支付</source><translation>Insurance fund pays</translation></message><message><source>医院负担</source><translation>Hospital bears</translation></message><message><source>个人负担</source><translation>Patient's part</translation></message><message><source>个人账户支付</source><translation>Personal account pays</translation></message><message><source>共济账户支付</source><translation>Family-shared account</translation></message><message><source>个人账户余额</source><translation>Account balance</translation></message><message><source>结算ID</source><translation>Settlement ID</translation></message><message><source>就诊ID</source><translation>Visit ID</translation></message><message><source>报文ID</source><translation>Message ID</translation></message><message><source>机构编码</source><translation>Facility code</translation></message><message><source>收费员</source><translation>Cashier</translation></message><message><source>医保结算单</source><translation>Insurance settlement receipt</translation></message><message><source>应退个人现金</source><translation>Cash to refund</translation></message><message><source>个人现金支付</source><translation>Cash to pay</translation></message><message><source>扫码核验结算信息</source><translation>Scan to verify this settlement</translation></message><message><source>现金</source><translation>Cash</translation></message><message><source>交易参考号</source><translation>Reference</translation></message><message><source>找零</source><translation>Change given</translation></message><message><source>退还现金</source><translation>Cash paid back</translation></message><message><source>原路退回</source><translation>Back to </translation></message><message><source>实收</source><translation>tendered</translation></message><message><source>【已撤销 · 退款】</source><translation>[Cancelled · refund]</translation></message><message><source>退款时间</source><translation>Refund time</translation></message><message><source>原结算时间</source><translation>Settled at</translation></message><message><source>撤销原因</source><translation>Reason for cancelling</translation></message><message><source>授权主管</source><translation>Supervisor</translation></message><message><source>退款凭条</source><translation>Refund slip</translation></message><message><source>退还合计</source><translation>Refund total</translation></message><message><source>医保基金与个人账户部分由医保平台原路退回</source><translation>The fund and personal account shares go back through the insurance platform</translation></message><message><source>【自费 · 未经医保结算】</source><translation>[Self-pay · not settled with insurance]</translation></message><message><source>收费时间</source><translation>Time</translation></message><message><source>患者</source><translation>Patient</translation></message><message><source>自费原因</source><translation>Why self-pay</translation></message><message><source>单号</source><translation>Number</translation></message><message><source>自费收费凭条</source><translation>Self-pay receipt</translation></message><message><source>自费合计</source><translation>Self-pay total</translation></message><message><source>本次未使用医保；如需医保结算请凭此凭条到医保窗口咨询</source><translation>Insurance was not used; for an insurance settlement take this receipt to the insurance desk</translation></message></context>
<context>
    <name>Reconcile</name>
    <message>
        <source>门诊</source>
        <extracomment>clr_type (清算类别) as the national dictionary names it</extracomment>
        <translation>Outpatient</translation>
    </message>
    <message>
        <source>门诊慢特病</source>
        <translation>Outpatient chronic/special disease</translation>
    </message>
    <message>
        <source>住院</source>
        <translation>Inpatient</translation>
    </message>
    <message>
        <source>定点药店购药</source>
        <translation>Pharmacy</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>平</source>
        <translation>balanced</translation>
    </message>
    <message>
        <source>不平</source>
        <translation>mismatch</translation>
    </message>
    <message>
        <source>平台拒绝</source>
        <translation>refused</translation>
    </message>
    <message>
        <source>已排队（平台离线）</source>
        <translation>queued (platform offline)</translation>
    </message>
    <message>
        <source>未对账</source>
        <translation>Not reconciled</translation>
    </message>
    <message>
        <source>仅本机有</source>
        <translation>Only in this terminal</translation>
    </message>
    <message>
        <source>仅平台有</source>
        <translation>Only on the platform</translation>
    </message>
    <message>
        <source>金额不符</source>
        <translation>Amounts differ</translation>
    </message>
    <message>
        <source>状态不符</source>
        <translation>Status differs</translation>
    </message>
    <message>
        <source>（撤销记录）</source>
        <translation> (cancellation)</translation>
    </message>
    <message>
        <source>冲正（2601），撤回平台上的这笔结算</source>
        <translation>Reverse (2601): take this settlement back on the platform</translation>
    </message>
    <message>
        <source>撤销结算（2208）</source>
        <translation>Cancel the settlement (2208)</translation>
    </message>
    <message>
        <source>登记为其他系统结算</source>
        <translation>Record as settled by another system</translation>
    </message>
    <message>
        <source>登记为平台已撤销/冲正</source>
        <translation>Record as cancelled/reversed on the platform</translation>
    </message>
    <message>
        <source>重新发送</source>
        <translation>Send again</translation>
    </message>
    <message>
        <source>登记知悉（交医保经办机构核实）</source>
        <translation>Acknowledge (for the insurance agency to check)</translation>
    </message>
    <message>
        <source>已记账</source>
        <translation>Booked</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已冲正</source>
        <translation>Reversed</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>明细一致</source>
        <translation>Detail agrees</translation>
    </message>
    <message>
        <source>有差异</source>
        <translation>Differences</translation>
    </message>
</context>
<context>
    <name>ReconcileDialog</name>
    <message>
        <source>对账（总账与明细）</source>
        <extracomment>emitted after a run, a fix or an export finished (tests and the window listen)</extracomment>
        <translation>Reconciliation (totals and detail)</translation>
    </message>
    <message>
        <source>对账日期(&amp;D)</source>
        <translation>&amp;Date</translation>
    </message>
    <message>
        <source>总账：本机合计与平台结果（险种 × 清算类别 × 清算机构）</source>
        <translation>Totals: this terminal beside the platform (insurance type × clearing type × clearing agency)</translation>
    </message>
    <message>
        <source>险种</source>
        <translation>Insurance</translation>
    </message>
    <message>
        <source>清算类别</source>
        <translation>Clearing type</translation>
    </message>
    <message>
        <source>清算机构</source>
        <translation>Clearing agency</translation>
    </message>
    <message>
        <source>笔数</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>基金支付</source>
        <translation>Fund</translation>
    </message>
    <message>
        <source>个人账户</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>平台结果 (3201)</source>
        <translation>Platform verdict (3201)</translation>
    </message>
    <message>
        <source>平台笔数</source>
        <translation>Platform count</translation>
    </message>
    <message>
        <source>平台总额</source>
        <translation>Platform total</translation>
    </message>
    <message>
        <source>平台基金</source>
        <translation>Platform fund</translation>
    </message>
    <message>
        <source>明细 (3202)</source>
        <translation>Detail (3202)</translation>
    </message>
    <message>
        <source>差异</source>
        <translation>Difference</translation>
    </message>
    <message>
        <source>结算ID</source>
        <translation>Settlement ID</translation>
    </message>
    <message>
        <source>参保人</source>
        <translation>Insured person</translation>
    </message>
    <message>
        <source>本机 总额 / 基金 / 个人账户</source>
        <translation>Terminal total / fund / account</translation>
    </message>
    <message>
        <source>平台 总额 / 基金 / 个人账户</source>
        <translation>Platform total / fund / account</translation>
    </message>
    <message>
        <source>平台状态</source>
        <translation>Platform status</translation>
    </message>
    <message>
        <source>建议处理</source>
        <translation>Suggested</translation>
    </message>
    <message>
        <source>处理结果</source>
        <translation>Fixed</translation>
    </message>
    <message>
        <source>本日对账记录（明细对账与差异处理）</source>
        <translation>This day's runs and fixes</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>操作员 / 主管</source>
        <translation>Operator / supervisor</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>总账对账 (3201)</source>
        <translation>Totals (3201)</translation>
    </message>
    <message>
        <source>明细对账 (3202)</source>
        <translation>Detail (3202)</translation>
    </message>
    <message>
        <source>处理所选差异（主管）</source>
        <translation>Fix the selected difference (supervisor)</translation>
    </message>
    <message>
        <source>导出 CSV / Excel</source>
        <translation>Export CSV / Excel</translation>
    </message>
    <message>
        <source>读取本地日志失败：</source>
        <translation>Cannot read the local journal: </translation>
    </message>
    <message>
        <source>（%1 个险种合计）</source>
        <translation> (%1 insurance types together)</translation>
    </message>
    <message>
        <source>已处理：%1（主管 %2，%3）</source>
        <translation>Fixed: %1 (supervisor %2, %3)</translation>
    </message>
    <message>
        <source>明细差异：本日尚未明细对账（按 F9）</source>
        <translation>Differences: no detail reconciliation of this day yet (press F9)</translation>
    </message>
    <message>
        <source>明细差异：无，本机与平台逐笔一致（%1）</source>
        <translation>Differences: none, every settlement agrees (%1)</translation>
    </message>
    <message>
        <source>明细差异（%1）：%2 笔，待处理 %3 笔。用 ↑↓ 选择，F10 处理</source>
        <translation>Differences (%1): %2, %3 open. Choose with ↑↓, fix with F10</translation>
    </message>
    <message>
        <source>差异处理</source>
        <translation>Fix</translation>
    </message>
    <message>
        <source>主管 </source>
        <translation>supervisor </translation>
    </message>
    <message>
        <source>一致</source>
        <translation>Agrees</translation>
    </message>
    <message>
        <source>%1 笔差异（待处理 %2）</source>
        <translation>%1 differences (%2 open)</translation>
    </message>
    <message>
        <source>明细对账</source>
        <translation>Detail reconciliation</translation>
    </message>
    <message>
        <source>总账对账完成</source>
        <translation>Totals reconciled</translation>
    </message>
    <message>
        <source>正在与医保平台对总账（3201）…</source>
        <translation>Reconciling totals with the platform (3201)…</translation>
    </message>
    <message>
        <source>对账失败：</source>
        <translation>Reconciliation failed: </translation>
    </message>
    <message>
        <source>明细对账完成：本机与平台逐笔一致</source>
        <translation>Detail reconciliation done: this terminal and the platform agree on every settlement</translation>
    </message>
    <message>
        <source>明细对账完成：%1 笔差异待处理，请逐笔核对后按 F10 处理</source>
        <translation>Detail reconciliation done: %1 differences open; check each, then fix it with F10</translation>
    </message>
    <message>
        <source>正在明细对账：上传本机明细（9101）、平台逐笔比对（3202）、下载结果（9102）…</source>
        <translation>Reconciling in detail: uploading this terminal's settlements (9101), platform comparison (3202), downloading the result (9102)…</translation>
    </message>
    <message>
        <source>明细对账失败：</source>
        <translation>Detail reconciliation failed: </translation>
    </message>
    <message>
        <source>请先用 ↑↓ 选择一笔待处理的差异</source>
        <translation>Choose an open difference with ↑↓ first</translation>
    </message>
    <message>
        <source>处理对账差异：结算 %1</source>
        <translation>Fix a reconciliation difference: settlement %1</translation>
    </message>
    <message>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <source>。按 F9 重新明细对账确认。</source>
        <translation>. Press F9 to reconcile in detail again and confirm.</translation>
    </message>
    <message>
        <source>正在处理差异（%1）…</source>
        <translation>Fixing the difference (%1)…</translation>
    </message>
    <message>
        <source>处理对账差异</source>
        <translation>Fix a reconciliation difference</translation>
    </message>
    <message>
        <source>处理未完成：</source>
        <translation>The fix was not done: </translation>
    </message>
    <message>
        <source>请先明细对账（F9），再导出</source>
        <translation>Reconcile in detail first (F9), then export</translation>
    </message>
    <message>
        <source>导出对账结果</source>
        <translation>Export the reconciliation</translation>
    </message>
    <message>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <source>已导出到 %1</source>
        <translation>Exported to %1</translation>
    </message>
    <message>
        <source>导出失败（请换一个位置或文件名）：</source>
        <translation>Export failed (choose another folder or file name): </translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>对账 (3201)</source>
        <translation>Reconciling (3201)</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>退款小票参考号（可扫描）</source>
        <translation>Reference on the refund slip (may be scanned)</translation>
    </message>
    <message>
        <source>退款 · 结算 %1 已撤销</source>
        <translation>Refund · settlement %1 cancelled</translation>
    </message>
    <message>
        <source>退还患者 </source>
        <translation>Pay back to the patient </translation>
    </message>
    <message>
        <source>撤销原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>原路退回</source>
        <translation>Back to </translation>
    </message>
    <message>
        <source>退款完成，已打印退款凭条。Enter 关闭</source>
        <translation>Refund complete, the refund slip is printed. Enter closes</translation>
    </message>
    <message>
        <source>请把现金 %1 退还患者，然后按 Enter 确认</source>
        <translation>Hand %1 in cash back to the patient, then press Enter</translation>
    </message>
    <message>
        <source>请在医院收款设备上原路退款 %1，输入退款小票参考号后按 Enter；无法原路退回时按 F8 改退现金</source>
        <translation>Refund %1 on the hospital's POS, type the refund slip's reference and press Enter; F8 refunds in cash instead</translation>
    </message>
    <message>
        <source>按 Enter 原路退回%1 %2；无法原路退回时按 F8 改退现金</source>
        <translation>Enter refunds %2 to %1; F8 refunds in cash instead</translation>
    </message>
</context>
<context>
    <name>Reversal</name>
    <message>
        <source>结算结果未知，正在冲正（2601）；冲正完成前不要重复结算，也不要收取现金</source>
        <extracomment>how the last uncertain settlement ended: 'reversed' (taken back) or 'not_booked' (never booked)</extracomment>
        <translation>Outcome unknown, reversing (2601): do not settle again and take no cash until it is done</translation>
    </message>
    <message>
        <source>结算结果未知，冲正暂未成功，将自动重试；冲正完成前不要重复结算</source>
        <translation>Outcome unknown and the reversal has not gone through yet; retrying automatically. Do not settle again</translation>
    </message>
    <message>
        <source>医保平台答复从未记账此笔结算（2601：原交易不存在）：未产生任何费用、未扣款，无需冲正；不要收取现金。请按 F5 重新预结算后再结算</source>
        <translation>The platform says it never booked this settlement (2601: no such transaction): nothing was charged and nothing needs reversing; collect no cash. Press F5 to pre-settle again, then settle</translation>
    </message>
    <message>
        <source>结算结果未知，已冲正（2601 成功）：平台已撤回此笔结算，未扣款；不要收取现金。请按 F5 重新预结算后再结算</source>
        <translation>Settlement outcome unknown; reversed (2601 done): the platform took the settlement back, nothing was charged; collect no cash. Press F5 to pre-settle again, then settle</translation>
    </message>
    <message>
        <source>冲正未成功：</source>
        <translation>Reversal failed: </translation>
    </message>
    <message>
        <source>；稍后自动重试</source>
        <translation>; retrying shortly</translation>
    </message>
    <message>
        <source>冲正 (2601)</source>
        <translation>Reversing (2601)</translation>
    </message>
    <message>
        <source>冲正被平台拒绝：</source>
        <translation>The platform refused the reversal: </translation>
    </message>
    <message>
        <source>。请联系医保经办机构核实，或点“立即重试冲正”</source>
        <translation>. Check with the insurance office, or click "Retry reversal now"</translation>
    </message>
</context>
<context>
    <name>RiskDialog</name>
    <message>
        <source>医保事前审核提示</source>
        <translation>Fund supervision: before settlement</translation>
    </message>
    <message>
        <source>医保事中审核提示</source>
        <translation>Fund supervision: during the stay</translation>
    </message>
    <message>
        <source>账单行</source>
        <translation>Bill line</translation>
    </message>
    <message>
        <source>规则</source>
        <translation>Rule</translation>
    </message>
    <message>
        <source>严重程度</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>违规内容</source>
        <translation>Finding</translation>
    </message>
    <message>
        <source>处理</source>
        <translation>Choice</translation>
    </message>
    <message>
        <source>继续执行的原因（必填），Enter 确认</source>
        <translation>Reason to continue (required), Enter confirms</translation>
    </message>
    <message>
        <source>继续执行 (1)</source>
        <translation>Continue (1)</translation>
    </message>
    <message>
        <source>返回修改 (2)</source>
        <translation>Go back and change (2)</translation>
    </message>
    <message>
        <source>提交 (Enter)</source>
        <translation>Send (Enter)</translation>
    </message>
    <message>
        <source>全部返回修改 (Esc)</source>
        <translation>All back to change (Esc)</translation>
    </message>
    <message>
        <source>填写继续执行的原因，Enter 确认</source>
        <translation>Type the reason to continue, Enter confirms</translation>
    </message>
    <message>
        <source>继续执行须填写原因</source>
        <translation>Continuing needs a reason</translation>
    </message>
    <message>
        <source>还有提醒未选择处理方式：1 继续执行 / 2 返回修改</source>
        <translation>Some warnings have no choice yet: 1 continue / 2 go back and change</translation>
    </message>
    <message>
        <source>依据：</source>
        <translation>Basis: </translation>
    </message>
    <message>
        <source>继续执行：</source>
        <translation>Continue: </translation>
    </message>
    <message>
        <source>返回修改</source>
        <translation>Go back and change</translation>
    </message>
    <message>
        <source>未选择</source>
        <translation>Not chosen</translation>
    </message>
    <message>
        <source>医保平台提示 %1 条违规。每条：1 继续执行（须填写原因） / 2 返回修改；Esc 全部返回修改</source>
        <translation>The platform flags %1 finding(s). Each: 1 continue (reason required) / 2 go back and change; Esc sends all back</translation>
    </message>
    <message>
        <source>全部已选择，按 Enter 提交</source>
        <translation>All chosen: Enter sends</translation>
    </message>
</context>
<context>
    <name>RxnoDialog</name>
    <message>
        <source>处方号</source>
        <extracomment>a prescription number as the counter accepts it (typed or scanned): letters, digits, '-' and '_', up to 30</extracomment>
        <translation>Prescription no.</translation>
    </message>
    <message>
        <source>%1 为处方药：请扫描或输入处方号，回车确认；Esc 稍后录入（Ctrl+R）</source>
        <translation>%1 is prescription-only: scan or type the prescription number, Enter; Esc: later (Ctrl+R)</translation>
    </message>
    <message>
        <source>处方号(rxno)应为 1-30 位字母、数字、- 或 _：</source>
        <translation>The prescription number (rxno) is 1-30 letters, digits, - or _: </translation>
    </message>
</context>
<context>
    <name>ScheduledReconcile</name>
    <message>
        <source>自动对账 %1：与平台逐笔一致</source>
        <translation>Scheduled reconciliation %1: agrees with the platform</translation>
    </message>
    <message>
        <source>自动对账 %1：%2 笔差异待处理，请按 F8 查看</source>
        <translation>Scheduled reconciliation %1: %2 differences open, press F8</translation>
    </message>
    <message>
        <source>自动对账 %1：%2（F8 查看）</source>
        <translation>Scheduled reconciliation %1: %2 (F8)</translation>
    </message>
    <message>
        <source>自动对账 %1 未完成（10 分钟后重试）：</source>
        <translation>Scheduled reconciliation %1 not done (retried in 10 minutes): </translation>
    </message>
    <message>
        <source>自动对账 %1 进行中…</source>
        <translation>Scheduled reconciliation %1 running…</translation>
    </message>
    <message>
        <source>自动对账</source>
        <translation>Scheduled reconciliation</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>平台地址（sandbox 为训练沙箱）</source>
        <translation>Platform URL ("sandbox" for training)</translation>
    </message>
    <message>
        <source>接口风格</source>
        <translation>URL style</translation>
    </message>
    <message>
        <source>读超时（秒）</source>
        <translation>Read timeout (s)</translation>
    </message>
    <message>
        <source>定点机构编码</source>
        <translation>Facility code</translation>
    </message>
    <message>
        <source>机构名称</source>
        <translation>Facility name</translation>
    </message>
    <message>
        <source>就医地区划</source>
        <translation>Treatment admin division</translation>
    </message>
    <message>
        <source>读卡器名称匹配</source>
        <translation>Card reader name pattern</translation>
    </message>
    <message>
        <source>使用虚拟卡（训练）</source>
        <translation>Virtual card (training)</translation>
    </message>
    <message>
        <source>打印机（留空则保存 PDF）</source>
        <translation>Printer (empty: save a PDF)</translation>
    </message>
    <message>
        <source>PDF 保存目录</source>
        <translation>PDF folder</translation>
    </message>
    <message>
        <source>打印方式（pdf / escpos 热敏小票机）</source>
        <translation>Printer kind (pdf / escpos thermal printer)</translation>
    </message>
    <message>
        <source>小票机连接（tcp://IP:9100、usb:VID:PID、serial:设备）</source>
        <translation>Thermal printer (tcp://IP:9100, usb:VID:PID, serial:device)</translation>
    </message>
    <message>
        <source>纸宽（58 / 80 毫米）</source>
        <translation>Paper width (58 / 80 mm)</translation>
    </message>
    <message>
        <source>PDF 版式（roll 卷纸 / a5 结算单）</source>
        <translation>PDF layout (roll / a5)</translation>
    </message>
    <message>
        <source>票据上隐去姓名</source>
        <translation>Mask names on receipts</translation>
    </message>
    <message>
        <source>扫码枪字符间隔阈值（毫秒）</source>
        <translation>Scanner key interval threshold (ms)</translation>
    </message>
    <message>
        <source>扫码最短长度</source>
        <translation>Shortest scan</translation>
    </message>
    <message>
        <source>启用摄像头扫码</source>
        <translation>Camera scanning</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>设置（信息科）</source>
        <translation>Settings (IT)</translation>
    </message>
    <message>
        <source>医保平台</source>
        <translation>Insurance platform</translation>
    </message>
    <message>
        <source>定点机构</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>读卡器</source>
        <translation>Card reader</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>扫码</source>
        <translation>Scanning</translation>
    </message>
    <message>
        <source>界面</source>
        <translation>Interface</translation>
    </message>
    <message>
        <source>单一入口 (single)</source>
        <translation>Single endpoint (single)</translation>
    </message>
    <message>
        <source>按交易路径 (per-transaction)</source>
        <translation>Path per transaction (per-transaction)</translation>
    </message>
    <message>
        <source>保存到 </source>
        <translation>Saved to </translation>
    </message>
    <message>
        <source>；平台与读卡器设置在重新启动后生效。</source>
        <translation>; platform and reader settings take effect after a restart.</translation>
    </message>
    <message>
        <source>无法保存：</source>
        <translation>Cannot save: </translation>
    </message>
</context>
<context>
    <name>SettlementPanel</name>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>个人现金支付</source>
        <translation>Cash to pay</translation>
    </message>
    <message>
        <source>重打结算单 (Ctrl+P)</source>
        <translation>Reprint receipt (Ctrl+P)</translation>
    </message>
    <message>
        <source>结算结果未知</source>
        <translation>Settlement outcome unknown</translation>
    </message>
    <message>
        <source>立即重试冲正</source>
        <translation>Retry reversal now</translation>
    </message>
    <message>
        <source>识别参保人：F1 读社保卡 · F2 医保码 · F3 身份证号</source>
        <extracomment>the bill step's words when the window is not the hospital's cashier (ui/pharmacy.py: the counter's scans)</extracomment>
        <translation>Identify: F1 card · F2 e-code · F3 ID number</translation>
    </message>
    <message>
        <source>录入费用：F4 加项目 · Ctrl+O 载入账单 · 扫药品条码</source>
        <translation>Bill: F4 add items · Ctrl+O load a bill · scan drug codes</translation>
    </message>
    <message>
        <source>F5 预结算，核对个人现金支付</source>
        <translation>F5 pre-settle, check the cash share</translation>
    </message>
    <message>
        <source>F9 结算，F9 收款（Enter 现金收齐），打印结算单</source>
        <translation>F9 settle, F9 tender (Enter: exact cash), receipt printed</translation>
    </message>
    <message>
        <source>平台未记账，未产生费用</source>
        <translation>Never booked by the platform, nothing charged</translation>
    </message>
    <message>
        <source>&lt;p&gt;上一笔结算结果未知；医保平台答复从未记账此笔结算（2601：原交易不存在），未扣款，无需冲正。&lt;/p&gt;&lt;p&gt;按 &lt;b&gt;F5&lt;/b&gt; 重新预结算后再按 &lt;b&gt;F9&lt;/b&gt; 结算，或按 &lt;b&gt;Esc&lt;/b&gt; 接待下一位。&lt;/p&gt;</source>
        <translation>&lt;p&gt;The last settlement's outcome was unknown; the platform says it never booked it (2601: no such transaction): nothing was charged, nothing to reverse.&lt;/p&gt;&lt;p&gt;Press &lt;b&gt;F5&lt;/b&gt; to pre-settle again and &lt;b&gt;F9&lt;/b&gt; to settle, or &lt;b&gt;Esc&lt;/b&gt; for the next patient.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>已冲正，未产生费用</source>
        <translation>Reversed, nothing charged</translation>
    </message>
    <message>
        <source>&lt;p&gt;上一笔结算结果未知，已通过 2601 冲正：平台已撤回此笔结算，未扣款。&lt;/p&gt;&lt;p&gt;按 &lt;b&gt;F5&lt;/b&gt; 重新预结算后再按 &lt;b&gt;F9&lt;/b&gt; 结算，或按 &lt;b&gt;Esc&lt;/b&gt; 接待下一位。&lt;/p&gt;</source>
        <translation>&lt;p&gt;The last settlement's outcome was unknown and it was reversed (2601): the platform took it back, nothing was charged.&lt;/p&gt;&lt;p&gt;Press &lt;b&gt;F5&lt;/b&gt; to pre-settle again and &lt;b&gt;F9&lt;/b&gt; to settle, or &lt;b&gt;Esc&lt;/b&gt; for the next patient.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>离线挂账：请全额收费</source>
        <translation>Parked: collect the full amount</translation>
    </message>
    <message>
        <source>&lt;p&gt;医保平台不可用，本次不经医保，按全额收费。补结算编号 &lt;b&gt;%1&lt;/b&gt;，凭条已打印。&lt;/p&gt;&lt;p&gt;平台恢复后自动补结算，医保支付部分凭补结算凭条退还患者（F7 待退款）。&lt;/p&gt;&lt;p&gt;按 &lt;b&gt;Esc&lt;/b&gt; 接待下一位。&lt;/p&gt;</source>
        <translation>&lt;p&gt;The insurance platform is unreachable: collect the full amount, without insurance. Parked bill &lt;b&gt;%1&lt;/b&gt;, slip printed.&lt;/p&gt;&lt;p&gt;Once the platform is back the bill is settled and the insurance share refunded against the slip (F7 refunds due).&lt;/p&gt;&lt;p&gt;&lt;b&gt;Esc&lt;/b&gt; next patient.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>不能医保结算</source>
        <translation>No insurance settlement</translation>
    </message>
    <message>
        <source>&lt;p&gt;下一步：&lt;/p&gt;&lt;p&gt;1. 告知患者医保暂不能使用（顾客屏已提示）。&lt;/p&gt;&lt;p&gt;2. 患者同意自费：录入费用后按 &lt;b&gt;Ctrl+F9&lt;/b&gt; 自费收款（全额，不经医保）。&lt;/p&gt;&lt;p&gt;3. 否则请患者联系参保地医保经办机构核实后再来；按 &lt;b&gt;Esc&lt;/b&gt; 接待下一位。&lt;/p&gt;</source>
        <translation>&lt;p&gt;Next:&lt;/p&gt;&lt;p&gt;1. Tell the patient insurance cannot be used now (the customer display says so).&lt;/p&gt;&lt;p&gt;2. If they agree to pay themselves: enter the items and press &lt;b&gt;Ctrl+F9&lt;/b&gt; self-pay (in full, without insurance).&lt;/p&gt;&lt;p&gt;3. Otherwise ask them to check with their insurance office; &lt;b&gt;Esc&lt;/b&gt; next patient.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>In progress</translation>
    </message>
    <message>
        <source>预结算（未记账）</source>
        <translation>Pre-settlement (not booked)</translation>
    </message>
    <message>
        <source>正在结算…</source>
        <translation>Settling…</translation>
    </message>
    <message>
        <source>结算成功</source>
        <translation>Settled</translation>
    </message>
    <message>
        <source>结算成功 · 收款中</source>
        <translation>Settled · collecting</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>结算ID </source>
        <translation>Settlement ID </translation>
    </message>
    <message>
        <source>医疗费总额</source>
        <translation>Total medical cost</translation>
    </message>
    <message>
        <source>全自费</source>
        <translation>Fully self-paid</translation>
    </message>
    <message>
        <source>超限价自费</source>
        <translation>Over price cap</translation>
    </message>
    <message>
        <source>先行自付</source>
        <translation>Co-pay first</translation>
    </message>
    <message>
        <source>符合范围</source>
        <translation>In scope</translation>
    </message>
    <message>
        <source>起付线</source>
        <translation>Deductible</translation>
    </message>
    <message>
        <source>医保基金支付</source>
        <translation>Insurance fund pays</translation>
    </message>
    <message>
        <source>统筹基金</source>
        <translation>Pooled fund</translation>
    </message>
    <message>
        <source>大病/大额</source>
        <translation>Serious illness</translation>
    </message>
    <message>
        <source>个人账户支付</source>
        <translation>Personal account pays</translation>
    </message>
    <message>
        <source>医院负担</source>
        <translation>Hospital bears</translation>
    </message>
    <message>
        <source>账户余额</source>
        <translation>Account balance</translation>
    </message>
    <message>
        <source>基金明细：</source>
        <translation>Funds: </translation>
    </message>
    <message>
        <source>核对无误后按 F9 结算；Esc 返回修改账单</source>
        <translation>Check, then F9 to settle; Esc to change the bill</translation>
    </message>
    <message>
        <source>正在等待医保平台应答，请勿离开</source>
        <translation>Waiting for the platform's answer, please stay</translation>
    </message>
    <message>
        <source>请收取现金。Esc 下一位 · F10 撤销（需主管）</source>
        <translation>Take the cash. Esc next patient · F10 cancel (supervisor)</translation>
    </message>
    <message>
        <source>本笔结算已撤销，基金与账户支付已退回。Esc 下一位</source>
        <translation>Cancelled: fund and account payments returned. Esc for the next patient</translation>
    </message>
    <message>
        <source>本笔结算已撤销：</source>
        <translation>This settlement was cancelled: </translation>
    </message>
    <message>
        <source>。Esc 下一位</source>
        <translation>. Esc next patient</translation>
    </message>
    <message>
        <source>结算结果待确认</source>
        <translation>Settlement outcome pending</translation>
    </message>
    <message>
        <source>已停止等待，但结算请求已发出，绝不会重复发送。平台应答后自动处理：成功则出票；超时或失败则自动冲正。</source>
        <translation>You stopped waiting, but the request is out and is never sent twice. When the platform answers: a receipt if settled; a reversal on timeout or failure.</translation>
    </message>
    <message>
        <source>已等待 %1 秒</source>
        <translation>Waiting %1 s</translation>
    </message>
    <message>
        <source>不要重复结算，也不要收取现金。系统用 2601 冲正该笔结算请求，完成后重新结算。</source>
        <translation>Do not settle again and take no cash. The terminal reverses this request with 2601; settle anew afterwards.</translation>
    </message>
    <message>
        <source>正在冲正…</source>
        <translation>Reversing…</translation>
    </message>
    <message>
        <source>已转入冲正队列，等待平台恢复后自动冲正</source>
        <translation>Queued for reversal: it goes out as soon as the platform answers</translation>
    </message>
    <message>
        <source>冲正暂未成功，将自动重试</source>
        <translation>Reversal not through yet; retrying automatically</translation>
    </message>
    <message>
        <source>冲正完成</source>
        <translation>Reversal done</translation>
    </message>
    <message>
        <source>原报文 </source>
        <translation>Original message </translation>
    </message>
    <message>
        <source>，已尝试 %1 次</source>
        <translation>, %1 attempts</translation>
    </message>
</context>
<context>
    <name>Shift</name>
    <message>
        <source>%1 笔</source>
        <translation>%1</translation>
    </message>
    <message>
        <source>已结算</source>
        <translation>Settled</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已冲正（未收费）</source>
        <translation>Reversed (nothing charged)</translation>
    </message>
    <message>
        <source>净额</source>
        <translation>Net</translation>
    </message>
    <message>
        <source>按险种</source>
        <translation>By insurance type</translation>
    </message>
    <message>
        <source>按基金</source>
        <translation>By fund</translation>
    </message>
    <message>
        <source>家庭共济（个人账户共济）</source>
        <translation>Family mutual aid (shared personal account)</translation>
    </message>
    <message>
        <source>按参保地</source>
        <translation>By insured place</translation>
    </message>
    <message>
        <source>收款方式</source>
        <translation>Tenders</translation>
    </message>
    <message>
        <source>收款</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>退款</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>无收款记录</source>
        <translation>No tenders</translation>
    </message>
    <message>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>现金实收</source>
        <translation>Cash handed over</translation>
    </message>
    <message>
        <source>找零</source>
        <translation>Change given</translation>
    </message>
    <message>
        <source>未登记收款方式</source>
        <translation>No tender recorded (as cash)</translation>
    </message>
    <message>
        <source>补结算全额收费</source>
        <translation>Parked, paid in full</translation>
    </message>
    <message>
        <source>补结算退款已付</source>
        <translation>Parked refunds paid</translation>
    </message>
    <message>
        <source>现金收入</source>
        <translation>Cash in</translation>
    </message>
    <message>
        <source>现金支出</source>
        <translation>Cash out</translation>
    </message>
    <message>
        <source>补结算（挂账）</source>
        <translation>Parked bills</translation>
    </message>
    <message>
        <source>待退款（补结算）</source>
        <translation>Refunds due (parked)</translation>
    </message>
    <message>
        <source>长款</source>
        <translation>over</translation>
    </message>
    <message>
        <source>短款</source>
        <translation>short</translation>
    </message>
    <message>
        <source>相符</source>
        <translation>balanced</translation>
    </message>
    <message>
        <source>实点现金</source>
        <translation>Cash counted</translation>
    </message>
    <message>
        <source>差额</source>
        <translation>Difference</translation>
    </message>
    <message>
        <source>已交班</source>
        <translation>Shift closed</translation>
    </message>
    <message>
        <source>收费员</source>
        <translation>Cashier</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>起</source>
        <translation>From</translation>
    </message>
    <message>
        <source>当日开始</source>
        <translation>start of day</translation>
    </message>
    <message>
        <source>止</source>
        <translation>To</translation>
    </message>
    <message>
        <source>交班人签字：</source>
        <translation>Handed over by: </translation>
    </message>
    <message>
        <source>接班人/主管签字：</source>
        <translation>Taken over by / supervisor: </translation>
    </message>
    <message>
        <source>收费员交班报表</source>
        <translation>Cashier shift report</translation>
    </message>
    <message>
        <source>应有现金</source>
        <translation>Expected cash in drawer</translation>
    </message>
    <message>
        <source>基金支付</source>
        <translation>Fund</translation>
    </message>
    <message>
        <source>个人账户</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>未交班</source>
        <translation>Shift not closed</translation>
    </message>
    <message>
        <source>%1 次</source>
        <translation>%1 times</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>医保对总账（3201）</source>
        <translation>Platform totals (3201)</translation>
    </message>
    <message>
        <source>主管</source>
        <translation>supervisor</translation>
    </message>
    <message>
        <source>日结单</source>
        <translation>Day close</translation>
    </message>
    <message>
        <source>应有现金合计</source>
        <translation>Expected cash, all cashiers</translation>
    </message>
    <message>
        <source>主管签字：</source>
        <translation>Supervisor: </translation>
    </message>
</context>
<context>
    <name>ShiftDialog</name>
    <message>
        <source>交班报表</source>
        <translation>Shift report</translation>
    </message>
    <message>
        <source>注销：交班</source>
        <translation>Log out: close the shift</translation>
    </message>
    <message>
        <source>实点现金（元）</source>
        <translation>Cash counted (yuan)</translation>
    </message>
    <message>
        <source>数一数钱箱里的现金，如 320.00</source>
        <translation>Count the cash in the drawer, e.g. 320.00</translation>
    </message>
    <message>
        <source>结算日志</source>
        <translation>Settlement journal</translation>
    </message>
    <message>
        <source>交班并注销</source>
        <translation>Close shift and log out</translation>
    </message>
    <message>
        <source>交班</source>
        <translation>Close shift</translation>
    </message>
    <message>
        <source>不交班，仅注销</source>
        <translation>Log out without closing</translation>
    </message>
    <message>
        <source>注销前请交班：输入实点现金，按 F9 交班并注销（报表自动打印）；按 F10 不交班仅注销；Esc 返回</source>
        <translation>Close the shift before logging out: type the cash counted, F9 closes and logs out (the report prints); F10 logs out without closing; Esc back</translation>
    </message>
    <message>
        <source>输入实点现金后按 F9 交班（报表自动打印）；Ctrl+P 打印；F6 结算日志；Esc 返回</source>
        <translation>Type the cash counted, then F9 closes the shift (the report prints); Ctrl+P print; F6 settlement journal; Esc back</translation>
    </message>
    <message>
        <source>未启用交易日志，无法生成交班报表</source>
        <translation>No journal: no shift report</translation>
    </message>
    <message>
        <source>实点现金</source>
        <translation>Cash counted</translation>
    </message>
    <message>
        <source>应有现金 </source>
        <translation>Expected cash </translation>
    </message>
    <message>
        <source> · 金额格式不对</source>
        <translation> · not an amount</translation>
    </message>
    <message>
        <source>长款</source>
        <translation>over</translation>
    </message>
    <message>
        <source>短款</source>
        <translation>short</translation>
    </message>
    <message>
        <source>相符</source>
        <translation>balanced</translation>
    </message>
    <message>
        <source>差额 </source>
        <translation>Difference </translation>
    </message>
    <message>
        <source>已交班 %1</source>
        <translation>Shift closed %1</translation>
    </message>
    <message>
        <source>，</source>
        <translation>, </translation>
    </message>
<message>
        <source>打印报表</source>
        <translation>Print report</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>已打印：</source>
        <translation>Printed: </translation>
    </message>
    <message>
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
    </message>
</context>
<context>
    <name>StayPrecheck</name>
    <message>
        <source>正在检查医保待遇与异地备案…</source>
        <extracomment>(psn_no, insutype, insuplc_admdvs, med_type) -&gt; Precheck; None: no pre-flight configured</extracomment>
        <translation>Checking the benefits and the cross-province filing…</translation>
    </message>
    <message>
        <source>待遇未核实：</source>
        <translation>Benefits not verified: </translation>
    </message>
    <message>
        <source>待遇检查 (2001/5302)</source>
        <translation>Benefit check (2001/5302)</translation>
    </message>
    <message>
        <source>已备案</source>
        <translation>Filed</translation>
    </message>
    <message>
        <source>备案已过期</source>
        <translation>Filing expired</translation>
    </message>
    <message>
        <source>备案尚未生效</source>
        <translation>Filing not yet valid</translation>
    </message>
    <message>
        <source>备案地不是本就医地</source>
        <translation>Filed for another place</translation>
    </message>
    <message>
        <source>未办理异地就医备案</source>
        <translation>No cross-province filing</translation>
    </message>
    <message>
        <source>长期</source>
        <translation>open-ended</translation>
    </message>
    <message>
        <source>：</source>
        <translation>: </translation>
    </message>
    <message>
        <source>可报销</source>
        <translation>Reimbursable</translation>
    </message>
    <message>
        <source>不可报销：</source>
        <translation>Not reimbursable: </translation>
    </message>
    <message>
        <source>未启用待遇检查</source>
        <translation>no benefit check configured</translation>
    </message>
</context>
<context>
    <name>SupervisorDialog</name>
    <message>
        <source>主管授权</source>
        <translation>Supervisor authorisation</translation>
    </message>
    <message>
        <source>需要主管授权</source>
        <translation>Supervisor authorisation needed</translation>
    </message>
</context>
<context>
    <name>TenderDialog</name>
    <message>
        <source>收款</source>
        <translation>Payment</translation>
    </message>
    <message>
        <source>实收金额（Enter 确认；留空 = 收齐）</source>
        <translation>Amount tendered (Enter; empty = all that is due)</translation>
    </message>
    <message>
        <source>收款设备小票参考号（可扫描）</source>
        <translation>Reference on the POS slip (may be scanned)</translation>
    </message>
    <message>
        <source>Enter 收款 · ↑↓/Alt+数字 选择方式 · 扫付款码 · Ctrl+Z 撤回现金 · Esc 关闭（F9 再打开）</source>
        <translation>Enter take · ↑↓/Alt+digit method · scan a payment code · Ctrl+Z take back cash · Esc close (F9 opens it again)</translation>
    </message>
    <message>
        <source>自费收款（不经医保）</source>
        <translation>Self-pay (no insurance)</translation>
    </message>
    <message>
        <source>Enter 收款 · ↑↓/Alt+数字 选择方式 · 扫付款码 · Esc 关闭（F9 再打开；患者不付款时再按 Esc 放弃）</source>
        <translation>Enter collect · ↑↓/Alt+digit method · scan a payment code · Esc close (F9 opens it again; Esc once more abandons if the patient will not pay)</translation>
    </message>
    <message>
        <source>应收 </source>
        <translation>Due </translation>
    </message>
    <message>
        <source>还需收 </source>
        <translation>Still due </translation>
    </message>
    <message>
        <source>请扫描患者的付款码（%1）</source>
        <translation>Scan the patient's payment code (%1)</translation>
    </message>
    <message>
        <source>在医院收款设备上收取后，输入或扫描小票参考号，Enter</source>
        <translation>Take it on the hospital's POS, then type or scan the slip's reference, Enter</translation>
    </message>
    <message>
        <source>现金：实收大于应收时自动计算找零</source>
        <translation>Cash: more than is due gives change</translation>
    </message>
</context>
<context>
    <name>Till</name>
    <message>
        <source>现金</source>
        <extracomment>how many of the open tender's lines are in the journal already: an electronic line is recorded as soon as the money moved (a crash before the tender completes must not lose it); the rest when complete the platform refused this patient's bill (2201..2206: no entitlement ...): self-pay is offered</extracomment>
        <translation>Cash</translation>
    </message>
    <message>
        <source>银行卡</source>
        <translation>Bank card</translation>
    </message>
    <message>
        <source>微信支付</source>
        <translation>WeChat Pay</translation>
    </message>
    <message>
        <source>支付宝</source>
        <translation>Alipay</translation>
    </message>
    <message>
        <source>云闪付</source>
        <translation>UnionPay QR</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>自费收款未完成：还需收 %1。请按 F9 收齐；现金可按 Ctrl+Z 撤回后放弃</source>
        <translation>Self-pay checkout not finished: %1 still due. Press F9 to collect the rest; cash can be taken back with Ctrl+Z, then abandon</translation>
    </message>
    <message>
        <source>尚未收款 %1：请按 F9 收款（Enter 现金收齐），或按 F10 撤销结算</source>
        <translation>%1 not collected yet: F9 to tender (Enter: exact cash), or F10 to cancel the settlement</translation>
    </message>
    <message>
        <source>退款未完成：请先退还患者 %1</source>
        <translation>Refund not finished: pay %1 back to the patient first</translation>
    </message>
    <message>
        <source>已放弃自费收款 %1（未收款）</source>
        <translation>Self-pay checkout of %1 abandoned (nothing taken)</translation>
    </message>
    <message>
        <source>无需收款</source>
        <translation>Nothing to collect</translation>
    </message>
    <message>
        <source>请等待当前操作完成</source>
        <translation>Wait for the current step to finish</translation>
    </message>
    <message>
        <source>%1 只能收取待收金额 %2</source>
        <translation>%1 can take only what is due, %2</translation>
    </message>
    <message>
        <source>请扫描患者的付款码（%1 %2）</source>
        <translation>Scan the patient's payment code (%1 %2)</translation>
    </message>
    <message>
        <source>本机不直接受理付款码：请在医院收款设备上扫码，再录入小票参考号</source>
        <translation>This terminal does not take payment codes: scan it on the hospital's POS, then enter the slip's reference</translation>
    </message>
    <message>
        <source>支付结果未知：</source>
        <translation>Payment outcome unknown: </translation>
    </message>
    <message>
        <source>%1收款 %2</source>
        <translation>%1 payment %2</translation>
    </message>
    <message>
        <source>实收 %1，找零 %2</source>
        <translation>Tendered %1, change %2</translation>
    </message>
    <message>
        <source>已收 %1 %2</source>
        <translation>Took %1 %2</translation>
    </message>
    <message>
        <source>收款完成。</source>
        <translation>Tender complete. </translation>
    </message>
    <message>
        <source>。Esc 下一位</source>
        <translation>. Esc next patient</translation>
    </message>
    <message>
        <source>；还需收 %1</source>
        <translation>; %1 still due</translation>
    </message>
    <message>
        <source>电子支付已扣款，不能撤回；请完成收款后按 F10 撤销并原路退款</source>
        <translation>An electronic payment was charged and cannot be taken back: finish the tender, then F10 cancels and refunds it</translation>
    </message>
    <message>
        <source>已撤回上一笔现金，待收 %1</source>
        <translation>Last cash line taken back, %1 due</translation>
    </message>
    <message>
        <source>；患者同意自费时按 Ctrl+F9 自费收款</source>
        <translation>; if the patient agrees to pay, Ctrl+F9 self-pay</translation>
    </message>
    <message>
        <source>该参保人可以医保结算（F5 / F9）；自费收款只用于平台拒绝的人员</source>
        <translation>This person can settle with insurance (F5 / F9); self-pay is only for people the platform refuses</translation>
    </message>
    <message>
        <source>请先录入费用</source>
        <translation>Enter the bill first</translation>
    </message>
    <message>
        <source>当前状态不能自费收款</source>
        <translation>Self-pay is not possible now</translation>
    </message>
    <message>
        <source>自费收款（不经医保）：请收 %1</source>
        <translation>Self-pay (no insurance): collect %1</translation>
    </message>
    <message>
        <source>。本笔尚未收款，无需退还现金</source>
        <translation>. Nothing was collected for it: no cash to give back</translation>
    </message>
    <message>
        <source>退款未成功：</source>
        <translation>Refund failed: </translation>
    </message>
    <message>
        <source>%1退款 %2</source>
        <translation>%1 refund %2</translation>
    </message>
    <message>
        <source>改为现金退还 %1</source>
        <translation>Refunding %1 in cash instead</translation>
    </message>
    <message>
        <source>已退还现金 %1</source>
        <translation>Paid back %1 in cash</translation>
    </message>
    <message>
        <source>已原路退回%2 %1</source>
        <translation>Refunded %1 to %2</translation>
    </message>
    <message>
        <source>退款完成：</source>
        <translation>Refund complete: </translation>
    </message>
</context>
<context>
    <name>TillView</name>
    <message>
        <source>收款记录未能写入交易日志：</source>
        <translation>The tender could not be written to the journal: </translation>
    </message>
    <message>
        <source>；请记下本笔并联系信息科</source>
        <translation>; note this payment down and call IT</translation>
    </message>
    <message>
        <source>打印退款凭条</source>
        <translation>Print the refund slip</translation>
    </message>
    <message>
        <source>医保不可用</source>
        <translation>insurance unavailable</translation>
    </message>
    <message>
        <source>打印自费凭条</source>
        <translation>Print the self-pay receipt</translation>
    </message>
</context>
<context>
    <name>WindowDialogs</name>
    <message>
        <source>已删除：</source>
        <extracomment>the cashier logs out (after the shift close, or without it): terminal.ui.app shows the login again</extracomment>
        <translation>Removed: </translation>
    </message>
    <message>
        <source>（Ctrl+Z 恢复）</source>
        <translation> (Ctrl+Z brings it back)</translation>
    </message>
    <message>
        <source>没有可恢复的删除</source>
        <translation>Nothing to bring back</translation>
    </message>
    <message>
        <source>已恢复：</source>
        <translation>Back: </translation>
    </message>
    <message>
        <source>载入账单</source>
        <translation>Load bill</translation>
    </message>
    <message>
        <source>账单 (*.json)</source>
        <translation>Bills (*.json)</translation>
    </message>
    <message>
        <source>查找范围：</source>
        <translation>Look in:</translation>
    </message>
    <message>
        <source>文件名：</source>
        <translation>File name:</translation>
    </message>
    <message>
        <source>文件类型：</source>
        <translation>Files of type:</translation>
    </message>
    <message>
        <source>载入</source>
        <translation>Load</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>账单文件错误：</source>
        <translation>Bill file error: </translation>
    </message>
    <message>
        <source>重复结算单据 </source>
        <translation>Settle again: bill </translation>
    </message>
    <message>
        <source>原因：</source>
        <translation>Reason: </translation>
    </message>
    <message>
        <source>请取回社保卡</source>
        <translation>Take the card out</translation>
    </message>
    <message>
        <source>读卡器中仍是上一位患者（%1）的社保卡。
请提醒上一位患者取回社保卡。是否为该患者办理新的业务？</source>
        <translation>The reader still holds the previous patient's (%1) card.
Remind them to take it. Serve this patient again?</translation>
    </message>
    <message>
        <source>是，同一患者 (Y)</source>
        <translation>Yes, same patient (Y)</translation>
    </message>
    <message>
        <source>否，取回卡 (N)</source>
        <translation>No, take the card out (N)</translation>
    </message>
    <message>
        <source>当前没有可撤销的结算；撤销以往结算请在日志（F6）中操作</source>
        <translation>Nothing to cancel here; cancel earlier settlements from the journal (F6)</translation>
    </message>
    <message>
        <source>撤销结算 </source>
        <translation>Cancel settlement </translation>
    </message>
    <message>
        <source>当前患者尚未办完：请先完成或按 Esc 放弃，再注销</source>
        <translation>A patient is still open: finish or press Esc first, then log out</translation>
    </message>
    <message>
        <source>未启用交易日志，无法日结</source>
        <translation>No journal: no day close</translation>
    </message>
    <message>
        <source>日结：正在与医保平台对总账（3201）…</source>
        <translation>Day close: reconciling the totals with the platform (3201)…</translation>
    </message>
    <message>
        <source>日结</source>
        <translation>Day close</translation>
    </message>
    <message>
        <source>日结未完成：</source>
        <translation>Day close not finished: </translation>
    </message>
    <message>
        <source>日结（全部收费员，3201 对总账）</source>
        <translation>Day close (every cashier, 3201 totals)</translation>
    </message>
    <message>
        <source>住院出院结算</source>
        <translation>Inpatient discharge settlement</translation>
    </message>
    <message>
        <source>设置已保存到 </source>
        <translation>Settings saved to </translation>
    </message>
    <message>
        <source>，重新启动后生效</source>
        <translation>; they take effect after a restart</translation>
    </message>
    <message>
        <source>修改设置</source>
        <translation>Change settings</translation>
    </message>
</context>
<context>
    <name>_ReportDialog</name>
    <message>
        <source>打印报表</source>
        <translation>Print report</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>已打印：</source>
        <translation>Printed: </translation>
    </message>
    <message>
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
    </message>
</context>
<context>
    <name>counter</name>
    <message>
        <source>药品明细（扫码）</source>
        <translation>Drugs (scan)</translation>
    </message>
    <message>
        <source>药店编码</source>
        <translation>Pharmacy code</translation>
    </message>
    <message>
        <source>药品</source>
        <translation>Drug</translation>
    </message>
    <message>
        <source>规格</source>
        <translation>Spec</translation>
    </message>
    <message>
        <source>单价</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>录入条码</source>
        <translation>Enter barcode</translation>
    </message>
    <message>
        <source>扫药：药盒条码（再扫加一盒）与每盒 20 位追溯码 · 处方药录处方号 (Ctrl+R)</source>
        <translation>Scan: the box's barcode (again: one more box) and each box's 20-digit traceability code · prescription no. for a prescription drug (Ctrl+R)</translation>
    </message>
    <message>
        <source>无法识别的条码：</source>
        <translation>Unrecognised code: </translation>
    </message>
</context>
<context>
    <name>ctl</name>
    <message>
        <source>无需收款。Esc 下一位 · F10 撤销（需主管）</source>
        <translation>Nothing to collect. Esc next patient · F10 cancel (supervisor)</translation>
    </message>
    <message>
        <source>待收款 %1：F9 收款（Enter 现金收齐）· F10 撤销（需主管）</source>
        <translation>To collect %1: F9 tender (Enter: exact cash) · F10 cancel (supervisor)</translation>
    </message>
    <message>
        <source>，找零 </source>
        <translation>, change </translation>
    </message>
    <message>
        <source>已收款：</source>
        <translation>Paid: </translation>
    </message>
    <message>
        <source>。Esc 下一位 · F10 撤销（需主管）</source>
        <translation>. Esc next patient · F10 cancel (supervisor)</translation>
    </message>
</context>
</TS>