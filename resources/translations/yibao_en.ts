<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
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
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <source>再次输入 PIN</source>
        <translation>PIN again</translation>
    </message>
    <message>
        <source>两次输入的 PIN 不一致</source>
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
        <translation>Waiting %1 s</translation>
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
        <extracomment>level (info | ok | warn | error), text the op the cashier is waiting on (Op) or None a settlement was booked (ReceiptData) the duplicate-bill guard refused (DuplicateBill | DuplicateSuspected): the window shows the earlier one at start: settlements a crashed run completed while nobody saw the result (RecoveryReport)</extracomment>
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
        <source>打印补结算凭条</source>
        <translation>Printing the deferred-settlement slip</translation>
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
        <source>打印失败：</source>
        <translation>Printing failed: </translation>
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
        <source>扫码支付现金部分</source>
        <translation>Scan to pay the cash share</translation>
    </message>
    <message>
        <source>医保基金支付部分由医保直接结算，您无需垫付</source>
        <translation>The insurance share is settled directly: you do not advance it</translation>
    </message>
    <message>
        <source>您好，</source>
        <translation>Hello, </translation>
    </message>
    <message>
        <source>欢迎就医</source>
        <translation>Welcome</translation>
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
        <source>，不能直接结算</source>
        <translation>, cannot settle directly</translation>
    </message>
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
        <translation>File type:</translation>
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
        <source>输入院内编码、医保编码或名称，↑↓ 选择，回车添加</source>
        <translation>Hospital code, national code or name; ↑↓ to choose, Enter to add</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Qty</translation>
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
        <source>重打 (Ctrl+P)</source>
        <translation>Reprint (Ctrl+P)</translation>
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
        <source>训练模式演示账号：</source>
        <translation>Training accounts: </translation>
    </message>
    <message>
        <source>请输入操作员编号和 PIN</source>
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
        <source>放弃</source>
        <translation>Abandon</translation>
    </message>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
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
        <source>险种</source>
        <translation>Insurance</translation>
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
        <source>医保结算单</source>
        <translation>Insurance settlement receipt</translation>
    </message>
    <message>
        <source>【训练模式 · 非正式票据】</source>
        <extracomment>(context, source) -&gt; the text in the cashier's language</extracomment>
        <translation>[TRAINING · not a valid receipt]</translation>
    </message>
    <message>
        <source>（重打）</source>
        <translation>(reprint)</translation>
    </message>
    <message>
        <source>【已撤销】</source>
        <translation>[CANCELLED]</translation>
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
        <source>险种</source>
        <translation>Insurance</translation>
    </message>
    <message>
        <source>参保地</source>
        <translation>Insured place</translation>
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
        <source>收费员</source>
        <translation>Cashier</translation>
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
        <source>个人账户余额</source>
        <translation>Account balance</translation>
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
        <source>找不到打印机</source>
        <translation>Printer not found:</translation>
    </message>
</context>
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
        <source>F9 结算，收取现金，打印结算单</source>
        <translation>F9 settle, take the cash, print the receipt</translation>
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
    <name>WindowDialogs</name>
    <message>
        <source>载入账单</source>
        <translation>Load bill</translation>
    </message>
    <message>
        <source>账单 (*.json)</source>
        <translation>Bills (*.json)</translation>
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
        <source>当前没有可撤销的结算；撤销以往结算请在日志（F6）中操作</source>
        <translation>Nothing to cancel here; cancel earlier settlements from the journal (F6)</translation>
    </message>
    <message>
        <source>撤销结算 </source>
        <translation>Cancel settlement </translation>
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
</TS>