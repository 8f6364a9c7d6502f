"""The demo's change requests: one story per state, played through the change services.

Each project gets: a draft the team is still writing; a request the client approver raised and
submitted; one under assessment with its impact (effort, cost, schedule shift, a new risk); one
awaiting approval that the PM approved and the client approver has still to decide; one
approved by both and applied (new requirement versions confirmed by the change, a new
requirement, tasks for the work and a new baseline); one the approvers rejected with a reason;
and one whose first approval was voided because the request was edited afterwards.

Every approval signs the hash of the request as the approver read it (`expected_hash`), and the
default approval policy applies (the PM and one client approver; nobody approves their own
request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.accounts.models import User
from accord.changes import services as changes
from accord.changes.choices import ChangeType, Decision, ItemAction, Transition, Urgency
from accord.changes.models import ChangeRequest
from accord.projects.models import Milestone, Project
from accord.requirements.models import Requirement
from accord.risks.models import Risk

PM = "pm@demo.accord"
W, Z, T = "wang.wei@demo.accord", "zhang.min@demo.accord", "tom.baker@demo.accord"
ZHAO, SUN = "zhao.lei@hz-medical.demo", "sun.li@hz-medical.demo"
SARAH, JAMES = "sarah.miller@acme-logistics.demo", "james.wong@acme-logistics.demo"

# How far each request gets.
DRAFT, SUBMITTED, ASSESSING, AWAITING = "draft", "submitted", "assessing", "awaiting"
APPLIED, REJECTED, VOIDED = "applied", "rejected", "voided"


@dataclass(frozen=True)
class DemoLine:
    """One redline line: `ref` names a demo requirement ("R5"; None for a new one);
    `proposed` the changed fields (criteria as demo criteria: text or (given, when, then))."""

    action: str
    ref: str | None = None
    proposed: dict[str, Any] = field(default_factory=dict)
    criteria: tuple[Any, ...] | None = None
    note: str = ""


@dataclass(frozen=True)
class DemoChange:
    plan: str
    requester: str
    fields: dict[str, Any]
    lines: tuple[DemoLine, ...]
    # The team's assessment: fields, schedule ((milestone name, shift days, note)), new risk
    # titles.
    assessment: dict[str, Any] = field(default_factory=dict)
    schedule: tuple[tuple[str, int, str], ...] = ()
    new_risks: tuple[str, ...] = ()
    # The reason of a rejection (by `rejected_by`), or the edit that voided an approval.
    rejection: str = ""
    rejected_by: str = ""
    edit: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    baseline: str = ""


@dataclass(frozen=True)
class DemoChangeSet:
    approver: str
    changes: list[DemoChange]


def _hzyb() -> DemoChangeSet:
    return DemoChangeSet(
        approver=ZHAO,
        changes=[
            DemoChange(
                DRAFT,
                W,
                {
                    "title": "结算单增加电子结算凭证二维码",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.LOW,
                    "reason": "医保局计划明年推行电子结算凭证，参保人扫码即可查看结算明细。",
                    "source_reference": "医保局信息中心通知（征求意见稿）",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "结算单打印电子结算凭证二维码",
                            "source_stakeholder": "省医保局信息处",
                            "description": (
                                "结算单右上角打印电子结算凭证二维码，参保人扫码查看本次结算明细。"
                            ),
                        },
                        criteria=("扫码后显示的金额与结算单一致。",),
                    ),
                ),
            ),
            DemoChange(
                SUBMITTED,
                ZHAO,
                {
                    "title": "医院日对账提前到每日 5:00 前完成",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": "医院财务 8:00 上班前需要拿到对账结果，6:00 完成来不及处理差异。",
                    "background": "三家试点医院财务科在周例会上提出。",
                    "source_reference": "周例会纪要（第 10 周）",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "R5",
                        proposed={
                            "description": (
                                "每日 5:00 前自动从省平台下载前一清算日的结算数据，与医院 HIS "
                                "结算记录逐笔比对，生成对账结果。"
                            )
                        },
                        criteria=(
                            (
                                "前一清算日医院与省平台的结算记录完全一致",
                                "对账任务完成",
                                "对账结果显示“平”，无需人工处理",
                            ),
                            "对账任务在每日 5:00 前完成。",
                        ),
                        note="仅调整完成时间",
                    ),
                ),
            ),
            DemoChange(
                ASSESSING,
                SUN,
                {
                    "title": "增加门诊慢特病跨省直接结算",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.HIGH,
                    "reason": (
                        "省医保局要求下季度起门诊慢特病（高血压、糖尿病等 5 种）纳入跨省直接结算。"
                    ),
                    "background": "慢特病参保人每月复诊，异地垫付负担最重。",
                    "source_reference": "省医保局通知〔2026〕18 号",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "门诊慢特病跨省直接结算",
                            "source_stakeholder": "孙丽（结算业务组）",
                            "description": (
                                "参保人在就医地定点医院就诊门诊慢特病时，"
                                "按参保地慢特病待遇直接结算，"
                                "并校验慢特病资格认定。"
                            ),
                            "priority": "must",
                        },
                        criteria=("5 种门诊慢特病均可在收费窗口直接结算。",),
                    ),
                    DemoLine(
                        ItemAction.MODIFY,
                        "R2",
                        proposed={
                            "description": (
                                "按参保地政策计算统筹基金支付、个人账户支付和个人现金支付（含门诊"
                                "慢特病待遇），向省平台上传结算信息并打印结算单。"
                            )
                        },
                        note="分段计算需区分普通门诊与慢特病",
                    ),
                ),
                assessment={
                    "effort_days": Decimal("18"),
                    "cost": Decimal("86000"),
                    "cost_currency": "CNY",
                    "assessment": (
                        "需新增慢特病资格校验交易，改造分段计算；已完成的门诊结算需回归测试。"
                        "联调测试里程碑预计顺延 10 天。"
                    ),
                },
                schedule=(("系统联调测试", 10, "慢特病交易联调"), ("系统上线", 7, "")),
                new_risks=("慢特病资格认定接口未按期开放",),
            ),
            DemoChange(
                AWAITING,
                Z,
                {
                    "title": "V3.0 接口补充两个对账交易",
                    "type": ChangeType.TECHNICAL,
                    "urgency": Urgency.HIGH,
                    "reason": "省医保局 V3.0 补充通知新增对总账、对明细两个交易，联调验收必测。",
                    "source_reference": "省医保局 V3.0 补充通知",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "R9",
                        proposed={
                            "description": (
                                "按 V3.0 规范改造结算、备案查询、明细上传、冲正等 12 个交易，并新增"
                                "对总账、对明细 2 个交易的报文格式和字段映射。"
                            )
                        },
                        criteria=(
                            "14 个交易全部通过省平台测试环境联调。",
                            "字段映射表经客户确认后归档。",
                        ),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("6"),
                    "cost": Decimal("24000"),
                    "cost_currency": "CNY",
                    "assessment": "两个交易报文结构与结算交易相近，可在联调期内完成，不影响上线。",
                },
                schedule=(("系统联调测试", 3, ""),),
            ),
            DemoChange(
                APPLIED,
                W,
                {
                    "title": "国密密钥改由省医保局统一下发，并增加到期提醒",
                    "type": ChangeType.TECHNICAL,
                    "urgency": Urgency.NORMAL,
                    "reason": (
                        "省医保局通知：定点机构的 SM2/SM4 密钥改由省局密钥管理平台统一下发，"
                        "不再由医院自行申请。"
                    ),
                    "source_reference": "省医保局密钥管理通知",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "N1",
                        proposed={
                            "description": (
                                "与省平台之间的所有报文使用 SM4 加密、SM2 签名；密钥由省医保局"
                                "密钥管理平台统一下发，保存在加密机中，不落地存储。"
                            )
                        },
                        note="密钥来源：医院申请 → 省局统一下发",
                    ),
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "密钥到期提醒",
                            "description": (
                                "密钥到期前 30 天起，每天向医院信息科和项目组发送提醒，"
                                "直至完成更新。"
                            ),
                            "source_stakeholder": "省医保局信息处",
                        },
                        criteria=("到期前 30 天发出第一次提醒。",),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("3"),
                    "cost": Decimal("12000"),
                    "cost_currency": "CNY",
                    "assessment": (
                        "改动集中在密钥加载模块，加密机联调任务相应调整；不影响里程碑。"
                    ),
                },
                comments={PM: "同意，联调期内完成。", ZHAO: "信息处已确认，同意变更。"},
                baseline="需求基线 V1.1",
            ),
            DemoChange(
                REJECTED,
                W,
                {
                    "title": "收费界面增加医保政策查询入口",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.LOW,
                    "reason": "收费员常被参保人询问报销政策，希望在收费界面直接查询。",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "收费界面医保政策查询",
                            "source_stakeholder": "某三甲医院收费处 周科长",
                            "description": "收费界面可按参保地查询起付线、支付比例和封顶线。",
                        },
                        criteria=("查询结果与参保地政策文件一致。",),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("8"),
                    "cost": Decimal("32000"),
                    "cost_currency": "CNY",
                    "assessment": "需对接各地政策库，数据维护工作量较大。",
                },
                rejection="政策查询由医保局公共服务平台提供，本项目不重复建设。",
                rejected_by=ZHAO,
            ),
            DemoChange(
                VOIDED,
                W,
                {
                    "title": "结算高峰响应时间目标收紧到 1.5 秒",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": "压测优化后平均响应已到 1.2 秒，客户希望把验收指标同步收紧。",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "N2",
                        proposed={
                            "title": "结算高峰响应时间不超过 1.5 秒",
                            "description": (
                                "在 200 个收费窗口并发结算的情况下，单笔结算（不含省平台处理时间）"
                                "95% 的响应时间不超过 1.5 秒。"
                            ),
                        },
                        criteria=(
                            (
                                "200 个收费窗口并发结算",
                                "压测持续 30 分钟",
                                "95% 的结算请求在 1.5 秒内返回",
                            ),
                        ),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("2"),
                    "cost": Decimal("0"),
                    "cost_currency": "CNY",
                    "assessment": "仅需复测，无需额外开发。",
                },
                comments={ZHAO: "同意收紧指标。"},
                edit={
                    "effort_days": Decimal("5"),
                    "assessment": (
                        "复测发现高峰期偶有 1.6 秒的请求，需再优化一轮连接池，预计 5 人日。"
                    ),
                },
            ),
        ],
    )


def _acme() -> DemoChangeSet:
    return DemoChangeSet(
        approver=SARAH,
        changes=[
            DemoChange(
                DRAFT,
                T,
                {
                    "title": "Show each shipment's carbon footprint",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.LOW,
                    "reason": "Two pilot customers report their transport emissions yearly.",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "Carbon footprint per shipment",
                            "source_stakeholder": "Pilot customer: Northwind Traders",
                            "description": "The shipment page shows the CO₂e of the shipment.",
                        },
                        criteria=("The figure follows the GLEC framework.",),
                    ),
                ),
            ),
            DemoChange(
                SUBMITTED,
                SARAH,
                {
                    "title": "Weekly pickups for the pilot customers",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": (
                        "All three pilot customers keep asking for a pickup that books itself "
                        "every week."
                    ),
                    "background": (
                        "We rejected recurring bookings for the pilot in the first round."
                    ),
                    "source_reference": "Pilot review meeting, week 6",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "Weekly pickup",
                            "source_stakeholder": "Sarah Miller, Head of Customer Operations",
                            "description": (
                                "A customer sets up a weekly pickup on a weekday and time window; "
                                "it books itself until cancelled."
                            ),
                        },
                        criteria=("The booking for next week exists by Friday 18:00.",),
                    ),
                ),
            ),
            DemoChange(
                ASSESSING,
                JAMES,
                {
                    "title": "Invoices: also download as CSV",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": (
                        "Customers' accounts payable teams import invoice lines into their ERP."
                    ),
                    "source_reference": "Service desk tickets SD-2231, SD-2240",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "R10",
                        proposed={
                            "description": (
                                "Customers list their invoices by "
                                "month and status and download each "
                                "as the PDF that SAP produced, or its lines as CSV."
                            )
                        },
                        criteria=(
                            "The PDF on the portal is the one SAP billing produced, unchanged.",
                            "The CSV holds one row per invoice line with the SAP line number.",
                        ),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("4"),
                    "cost": Decimal("3600"),
                    "cost_currency": "EUR",
                    "assessment": (
                        "SAP's nightly file already has the lines; the invoice page in review "
                        "gets a second download. Go-live moves by five days."
                    ),
                },
                schedule=(("Go-live", 5, "CSV export and its test"),),
                new_risks=("SAP invoice lines arrive without line numbers",),
            ),
            DemoChange(
                AWAITING,
                T,
                {
                    "title": "Price shown includes the toll surcharge",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.HIGH,
                    "reason": "From next month ACME passes the new motorway toll on to customers.",
                    "source_reference": "ACME pricing memo, 3 November",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "R2",
                        proposed={
                            "description": (
                                "The booking form shows the price "
                                "from the customer's contract rates, "
                                "fuel and toll surcharges included, before the customer confirms."
                            )
                        },
                        note="Adds the toll surcharge",
                    ),
                ),
                assessment={
                    "effort_days": Decimal("2"),
                    "cost": Decimal("1800"),
                    "cost_currency": "EUR",
                    "assessment": (
                        "The rating engine has the toll table; the price step is retested."
                    ),
                },
                comments={PM: "Approved: small change, must be live before the toll starts."},
            ),
            DemoChange(
                APPLIED,
                JAMES,
                {
                    "title": "Invoices on the portal by 06:00",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": "Customers in the Asian time zones start their day before 07:00 CET.",
                    "source_reference": "Pilot review meeting, week 5",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "C2",
                        proposed={
                            "description": (
                                "The portal reads invoices from "
                                "SAP's nightly export (SFTP, CSV and "
                                "PDF), which SAP sends by 05:00; it never writes to SAP."
                            )
                        },
                        criteria=("Invoices are on the portal by 06:00 the next morning.",),
                        note="07:00 → 06:00",
                    ),
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "Morning e-mail of new invoices",
                            "source_stakeholder": "Priya Shah, Billing Manager",
                            "description": (
                                "At 06:00 each customer's billing contacts get one e-mail listing "
                                "the invoices that arrived overnight."
                            ),
                        },
                        criteria=("No e-mail is sent on a morning without new invoices.",),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("3"),
                    "cost": Decimal("2700"),
                    "cost_currency": "EUR",
                    "assessment": "ACME IT moves the SAP export to 05:00; we add the e-mail.",
                },
                comments={
                    PM: "Approved; ACME IT confirmed the earlier export.",
                    SARAH: "Approved for the pilot.",
                },
                baseline="Pilot scope, revision 2",
            ),
            DemoChange(
                REJECTED,
                JAMES,
                {
                    "title": "Pay invoices by card during the pilot",
                    "type": ChangeType.ADD_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": "Small customers would rather pay by card than by bank transfer.",
                },
                (
                    DemoLine(
                        ItemAction.ADD,
                        proposed={
                            "title": "Card payment of open invoices",
                            "source_stakeholder": "James Wong, Service Desk Lead",
                            "description": "Customers pay open invoices by card on the portal.",
                        },
                        criteria=("A paid invoice shows as paid the next day.",),
                    ),
                ),
                assessment={
                    "effort_days": Decimal("15"),
                    "cost": Decimal("13500"),
                    "cost_currency": "EUR",
                    "assessment": "Needs the payment provider's contract and a PCI review.",
                },
                rejection="Not in the pilot: the payment provider is only contracted from go-live.",
                rejected_by=PM,
            ),
            DemoChange(
                VOIDED,
                T,
                {
                    "title": "Delay alerts also by SMS",
                    "type": ChangeType.MODIFY_SCOPE,
                    "urgency": Urgency.NORMAL,
                    "reason": "Drivers' dispatchers at two pilot customers do not read e-mail.",
                },
                (
                    DemoLine(
                        ItemAction.MODIFY,
                        "R7",
                        proposed={
                            "title": "Delay alerts by e-mail and SMS",
                            "description": (
                                "When a shipment misses its planned "
                                "delivery window, the customer's "
                                "contacts get an e-mail or an SMS, "
                                "as each chose, with the new estimate."
                            ),
                        },
                    ),
                ),
                assessment={
                    "effort_days": Decimal("3"),
                    "cost": Decimal("2700"),
                    "cost_currency": "EUR",
                    "assessment": "Uses ACME's existing SMS gateway.",
                },
                comments={SARAH: "Approved."},
                edit={
                    "cost": Decimal("4200"),
                    "assessment": (
                        "Uses ACME's existing SMS gateway; SMS to other countries costs extra, "
                        "so the estimate now includes the gateway's international tariff."
                    ),
                },
            ),
        ],
    )


def change_sets() -> dict[str, DemoChangeSet]:
    return {"HZYB": _hzyb(), "ACME": _acme()}


def _criteria(items: tuple[Any, ...]) -> list[dict[str, str]]:
    result = []
    for item in items:
        if isinstance(item, tuple):
            given, when, then = item
            result.append({"style": "gherkin", "given": given, "when": when, "then": then})
        else:
            result.append({"style": "free", "text": item})
    return result


def _new_risk(project: Project, pm: User, title: str) -> Risk:
    from accord.risks import services as risks
    from accord.risks.choices import Category, Strategy

    existing = Risk.objects.filter(project=project, title=title).first()
    if existing:
        return existing
    return risks.risk_create(
        actor=pm,
        project=project,
        title=title,
        category=Category.SCHEDULE,
        cause="The change depends on a party outside the project.",
        event=title,
        consequence="The change's schedule impact grows.",
        probability=3,
        impact=3,
        strategy=Strategy.MITIGATE,
        owner=pm,
    )


def build_changes(
    project: Project,
    spec: DemoChangeSet,
    users: dict[str, User],
    requirement_titles: dict[str, str],
) -> None:
    """Raise each request as its requester, then take it as far as its plan says."""
    pm, approver = users[PM], users[spec.approver]
    milestones = {m.name: m for m in Milestone.objects.filter(project=project)}

    def fresh(change: ChangeRequest) -> ChangeRequest:
        return ChangeRequest.objects.select_related("project").get(pk=change.pk)

    def step(change: ChangeRequest, transition: str, actor: User) -> ChangeRequest:
        return changes.change_transition(actor=actor, change=fresh(change), transition=transition)

    def decide(change: ChangeRequest, actor: User, decision: str, comment: str = "") -> None:
        current = fresh(change)
        changes.change_decide(
            actor=actor,
            change=current,
            decision=decision,
            comment=comment,
            expected_hash=current.content_hash,
        )

    for item in spec.changes:
        requester = users[item.requester]
        lines = []
        for line in item.lines:
            proposed = dict(line.proposed)
            if line.criteria is not None:
                proposed["acceptance_criteria"] = _criteria(line.criteria)
            requirement = (
                Requirement.objects.get(project=project, title=requirement_titles[line.ref])
                if line.ref
                else None
            )
            lines.append(
                {
                    "action": line.action,
                    "requirement": requirement,
                    "proposed": proposed,
                    "note": line.note,
                }
            )
        change = changes.change_create(actor=requester, project=project, items=lines, **item.fields)
        if item.plan == DRAFT:
            continue
        change = step(change, Transition.SUBMIT, requester)
        if item.plan == SUBMITTED:
            continue
        change = step(change, Transition.START_ASSESSMENT, pm)
        changes.change_update(
            actor=pm,
            change=fresh(change),
            data=dict(item.assessment),
            schedule=[
                {"milestone": milestones[name], "shift_days": shift, "note": note}
                for name, shift, note in item.schedule
            ],
            new_risks=[_new_risk(project, pm, title) for title in item.new_risks],
        )
        if item.plan == ASSESSING:
            continue
        change = step(change, Transition.REQUEST_APPROVAL, pm)
        if item.plan == AWAITING:
            decide(change, pm, Decision.APPROVED, item.comments.get(PM, ""))
        elif item.plan == APPLIED:
            decide(change, pm, Decision.APPROVED, item.comments.get(PM, ""))
            decide(change, approver, Decision.APPROVED, item.comments.get(spec.approver, ""))
            changes.change_apply(
                actor=pm,
                change=fresh(change),
                record_baseline=True,
                baseline_name=item.baseline,
                create_tasks=True,
            )
        elif item.plan == REJECTED:
            if item.rejected_by != PM:
                decide(change, pm, Decision.APPROVED)
            decide(change, users[item.rejected_by], Decision.REJECTED, item.rejection)
        elif item.plan == VOIDED:
            decide(change, approver, Decision.APPROVED, item.comments.get(spec.approver, ""))
            changes.change_update(actor=pm, change=fresh(change), data=dict(item.edit))
