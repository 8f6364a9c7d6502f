"""The demo workspace: two realistic client projects, one Chinese and one English.

Everything is created through the services, so the audit history is the real one. Loading is
idempotent: people, projects and their contents that exist already are left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.accounts.services import user_create
from accord.changes.models import ChangeRequest
from accord.core.choices import Visibility
from accord.core.demo_changes import build_changes, change_sets
from accord.core.demo_delivery import build_delivery, delivery_sets
from accord.delivery.models import Task, TimeEntry
from accord.projects import services as projects
from accord.projects.choices import MilestoneStatus, ProjectStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project
from accord.requirements import services as requirements
from accord.requirements.choices import (
    CriterionStyle,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Transition,
)
from accord.requirements.models import Baseline, Requirement, RequirementVersion
from accord.risks import problem_services as problems
from accord.risks import services as risks
from accord.risks.choices import Category, ProblemStatus, RiskStatus, Strategy
from accord.risks.models import Problem, ResponseAction, Risk, RiskReview

# Every demo login shares this password; README and `make run` show it.
DEMO_PASSWORD = "accord-demo"  # noqa: S105 (published on purpose)


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    organisation: str
    language: str = "en"
    is_staff: bool = False
    description: str = ""


PM = DemoUser(
    "pm@demo.accord",
    "Li Na 李娜",
    "Accord Consulting",
    description="project manager of HZYB and ACME",
)
USERS = [
    PM,
    DemoUser(
        "wang.wei@demo.accord",
        "王伟",
        "Accord Consulting",
        "zh-hans",
        description="team member, HZYB",
    ),
    DemoUser(
        "zhang.min@demo.accord",
        "张敏",
        "Accord Consulting",
        "zh-hans",
        description="team member, HZYB",
    ),
    DemoUser(
        "tom.baker@demo.accord", "Tom Baker", "Accord Consulting", description="team member, ACME"
    ),
    DemoUser(
        "chen.jing@demo.accord",
        "陈静",
        "Accord Consulting",
        "zh-hans",
        description="viewer, HZYB and ACME",
    ),
    DemoUser(
        "zhao.lei@hz-medical.demo",
        "赵磊",
        "杭州某医保科技有限公司",
        "zh-hans",
        description="client approver, HZYB",
    ),
    DemoUser(
        "sun.li@hz-medical.demo",
        "孙丽",
        "杭州某医保科技有限公司",
        "zh-hans",
        description="client, HZYB",
    ),
    DemoUser(
        "sarah.miller@acme-logistics.demo",
        "Sarah Miller",
        "ACME Logistics",
        description="client approver, ACME",
    ),
    DemoUser(
        "james.wong@acme-logistics.demo",
        "James Wong",
        "ACME Logistics",
        description="client, ACME",
    ),
    DemoUser(
        "pmo@demo.accord",
        "Grace Liu 刘佳",
        "Accord Consulting",
        is_staff=True,
        description="PMO staff, sees every project",
    ),
]


@dataclass
class DemoProject:
    fields: dict[str, Any]
    members: list[tuple[str, str, bool]]
    milestones: list[dict[str, Any]]
    progress: list[tuple[str, dict[str, Any]]]
    edits: dict[str, Any]
    invitation: tuple[str, str, bool]


def _projects(today: dt.date) -> list[DemoProject]:
    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    hzyb = DemoProject(
        fields={
            "key": "HZYB",
            "name": "杭州医保结算平台升级",
            "client_name": "杭州某医保科技有限公司",
            "description": (
                "为客户升级医保结算平台：对接省医保新接口，支持异地就医直接结算，"
                "并将结算高峰期的响应时间控制在 2 秒以内。"
            ),
            "start_date": day(-75),
            "end_date": day(120),
            "status": ProjectStatus.PLANNING,
            "objectives": (
                "1. 按期完成省医保新接口对接，通过医保局验收；\n"
                "2. 异地就医结算成功率达到 99.5% 以上；\n"
                "3. 上线后三个月内无一级故障。"
            ),
            "values": "以客户为中心，需求有据可查，变更先评估再执行，问题当天同步。",
        },
        members=[
            ("wang.wei@demo.accord", Role.MEMBER, False),
            ("zhang.min@demo.accord", Role.MEMBER, False),
            ("chen.jing@demo.accord", Role.VIEWER, False),
            ("zhao.lei@hz-medical.demo", Role.CLIENT, True),
            ("sun.li@hz-medical.demo", Role.CLIENT, False),
        ],
        milestones=[
            {
                "name": "需求调研完成",
                "description": "完成医保中心、定点医院和药店三方访谈，需求规格说明书初稿提交客户。",
                "due_date": day(-45),
            },
            {
                "name": "原型评审",
                "description": "与客户业务骨干评审结算流程与对账界面原型。",
                "due_date": day(-15),
            },
            {
                "name": "系统联调测试",
                "description": "与省医保平台完成接口联调，覆盖异地就医结算全部场景。",
                "due_date": day(30),
            },
            {
                "name": "内部代码评审",
                "description": "结算核心模块的代码评审与性能压测，仅项目团队可见。",
                "due_date": day(40),
                "visibility": "internal",
            },
            {
                "name": "系统上线",
                "description": "生产环境切换，上线后一周驻场保障。",
                "due_date": day(90),
            },
        ],
        progress=[
            ("需求调研完成", {"status": MilestoneStatus.DONE}),
            ("原型评审", {"status": MilestoneStatus.DONE}),
            ("系统联调测试", {"status": MilestoneStatus.IN_PROGRESS}),
        ],
        edits={
            "status": ProjectStatus.ACTIVE,
            "description": (
                "为客户升级医保结算平台：对接省医保新接口，支持异地就医直接结算，"
                "并将结算高峰期的响应时间控制在 2 秒以内；同时提供医院端对账报表。"
            ),
        },
        invitation=("qian.hao@hz-medical.demo", Role.CLIENT, False),
    )
    acme = DemoProject(
        fields={
            "key": "ACME",
            "name": "Customer portal",
            "client_name": "ACME Logistics",
            "description": (
                "A self-service portal where ACME Logistics' business customers book "
                "shipments, track them in real time and download invoices."
            ),
            "start_date": day(-30),
            "end_date": day(150),
            "status": ProjectStatus.ACTIVE,
            "objectives": (
                "- Cut calls to the service desk by 30% within three months of launch.\n"
                "- Let customers book a shipment in under two minutes.\n"
                "- Show every shipment's status within five minutes of a scan."
            ),
            "values": "Decisions in writing. No surprises for the client. Ship small, ship often.",
        },
        members=[
            ("tom.baker@demo.accord", Role.MEMBER, False),
            ("chen.jing@demo.accord", Role.VIEWER, False),
            ("sarah.miller@acme-logistics.demo", Role.CLIENT, True),
            ("james.wong@acme-logistics.demo", Role.CLIENT, False),
        ],
        milestones=[
            {
                "name": "Discovery workshops done",
                "description": "Workshops with dispatch, billing and three pilot customers.",
                "due_date": day(-10),
            },
            {
                "name": "Data migration dry run",
                "description": "Customer accounts and open shipments copied from the old system.",
                "due_date": day(-3),
            },
            {
                "name": "Pilot with three customers",
                "description": "Booking and tracking live for the pilot customers.",
                "due_date": day(45),
            },
            {
                "name": "Go-live",
                "description": "All business customers moved to the portal.",
                "due_date": day(120),
            },
        ],
        progress=[
            ("Discovery workshops done", {"status": MilestoneStatus.DONE}),
            ("Data migration dry run", {"status": MilestoneStatus.MISSED}),
            ("Pilot with three customers", {"status": MilestoneStatus.IN_PROGRESS}),
        ],
        edits={"end_date": day(165)},
        invitation=("ops-lead@acme-logistics.demo", Role.CLIENT, False),
    )
    return [hzyb, acme]


# Requirements --------------------------------------------------------------------------------

# What becomes of each demo requirement: a workflow state, or one of two stories.
# RETURNED_EDITED: the client returns it with a comment, the team edits it (version 2, a diff to
# read) and submits it again. CHANGED: confirmed, frozen in the baseline, then edited, so it shows
# as changed since confirmation and needs the client again.
DRAFT, IN_REVIEW, SUBMITTED, RETURNED, REJECTED = (
    "draft",
    "in_review",
    "submitted",
    "returned",
    "rejected",
)
RETURNED_EDITED, CONFIRMED, CHANGED = "returned_edited", "confirmed", "changed"
IMPLEMENTED, VERIFIED, ACCEPTED, WITHDRAWN = "implemented", "verified", "accepted", "withdrawn"
FIRST_ROUND = (RETURNED, RETURNED_EDITED, REJECTED, CONFIRMED, CHANGED, IMPLEMENTED, VERIFIED)
FIRST_ROUND += (ACCEPTED,)
AGREED = (CONFIRMED, CHANGED, IMPLEMENTED, VERIFIED, ACCEPTED)

# A free-text criterion, or (given, when, then).
Criterion = str | tuple[str, str, str]

F, B, NF, C = (
    RequirementType.FUNCTIONAL,
    RequirementType.BUSINESS,
    RequirementType.NON_FUNCTIONAL,
    RequirementType.CONSTRAINT,
)
MUST, SHOULD, COULD, WONT = Priority.MUST, Priority.SHOULD, Priority.COULD, Priority.WONT


@dataclass(frozen=True)
class DemoRequirement:
    ref: str
    plan: str
    author: str
    title: str
    type: str
    priority: str
    source: str
    stakeholder: str
    description: str
    criteria: tuple[Criterion, ...]
    tags: tuple[str, ...] = ()
    parent: str | None = None
    quality: str = ""
    reference: str = ""
    background: str = ""
    value: int | None = None
    effort: int | None = None
    # The client's comment when returning or rejecting; the PM's when withdrawing.
    decision: str = ""
    # RETURNED_EDITED and CHANGED: {"data": {...}, "criteria": (...), "note": "..."}.
    edit: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "type": self.type,
            "quality_attribute": self.quality,
            "priority": self.priority,
            "source": self.source,
            "source_stakeholder": self.stakeholder,
            "source_reference": self.reference,
            "background": self.background,
            "description": self.description,
            "business_value": self.value,
            "effort_days": self.effort,
        }


@dataclass(frozen=True)
class DemoRequirementSet:
    approver: str
    requirements: list[DemoRequirement]
    first_submission: str
    confirmation: str
    acceptance: str
    verification_note: str
    baseline: tuple[str, str]
    second_submission: str
    # (source ref, kind, target ref)
    links: list[tuple[str, str, str]]
    # (requirement ref, author e-mail, visibility, body)
    comments: list[tuple[str, str, str, str]]


W, Z, T = "wang.wei@demo.accord", "zhang.min@demo.accord", "tom.baker@demo.accord"
ZHAO, SUN = "zhao.lei@hz-medical.demo", "sun.li@hz-medical.demo"
SARAH, JAMES = "sarah.miller@acme-logistics.demo", "james.wong@acme-logistics.demo"


def _hzyb_requirements() -> DemoRequirementSet:
    S = Source
    zhao, sun = "赵磊（客户项目负责人）", "孙丽（结算业务组）"
    zhou, bureau = "某三甲医院收费处 周科长", "省医保局信息处"
    spec_v3 = "《医保信息平台接口规范 V3.0》"
    items = [
        DemoRequirement(
            "E1",
            CONFIRMED,
            PM.email,
            "异地就医直接结算",
            B,
            MUST,
            S.MEETING,
            zhao,
            reference="项目启动会纪要",
            background=(
                "参保人异地就医目前需先全额垫付，再回参保地报销，周期长达 1–3 个月，投诉集中。"
                "省医保局要求年内实现跨省门诊和住院费用直接结算。"
            ),
            description=(
                "定点医院收费窗口在参保人就医时直接完成跨省结算：只收取个人自付部分，"
                "统筹基金支付部分由医保中心与医院清算。"
            ),
            criteria=(
                "跨省门诊、住院两类费用均可在收费窗口直接结算。",
                "结算成功率（按笔数）不低于 99.5%。",
            ),
            tags=("异地就医",),
            value=10,
        ),
        DemoRequirement(
            "E2",
            CONFIRMED,
            PM.email,
            "医院端对账与报表",
            B,
            SHOULD,
            S.INTERVIEW,
            zhou,
            reference="访谈纪要 HZ-IV-05",
            background="医院财务每月人工核对医保结算数据，差异要逐笔翻凭证，平均耗时 3 个工作日。",
            description="为定点医院提供按日对账、差异明细和月度结算报表，医院财务无需再人工比对。",
            criteria=("医院每日可自助完成与医保中心的结算对账。",),
            tags=("对账",),
            value=7,
        ),
        DemoRequirement(
            "E3",
            CONFIRMED,
            PM.email,
            "对接省医保信息平台新接口",
            B,
            MUST,
            S.DOCUMENT,
            bureau,
            reference=spec_v3,
            background=(
                "省医保局将于年底停用旧版接口，所有定点机构须切换至 V3.0 接口并通过联调验收。"
            ),
            description=(
                "将结算、备案查询、明细上传等全部交易切换到 V3.0 接口，切换期间业务不中断。"
            ),
            criteria=("通过省医保局组织的接口联调验收。",),
            tags=("省平台接口",),
            value=10,
        ),
        DemoRequirement(
            "R1",
            ACCEPTED,
            W,
            "异地就医备案信息查询",
            F,
            MUST,
            S.INTERVIEW,
            sun,
            parent="E1",
            reference="访谈纪要 HZ-IV-02",
            background="收费员无法确认参保人是否已办理异地就医备案，常在结算被省平台拒绝后才发现。",
            description=(
                "收费员读取医保电子凭证或社保卡后，系统自动向参保地查询备案状态、备案类型和"
                "有效期，并在结算前提示。"
            ),
            criteria=(
                (
                    "参保人已在参保地办理异地就医备案",
                    "收费员扫描其医保电子凭证",
                    "3 秒内显示备案类型、就医地和有效期",
                ),
                (
                    "参保人未备案或备案已过期",
                    "收费员发起结算",
                    "系统阻止结算并提示办理临时备案的途径",
                ),
            ),
            tags=("异地就医", "收费窗口"),
            value=9,
            effort=8,
        ),
        DemoRequirement(
            "R2",
            VERIFIED,
            W,
            "跨省门诊费用直接结算",
            F,
            MUST,
            S.WORKSHOP,
            sun,
            parent="E1",
            reference="结算流程工作坊（第 2 次）",
            background="门诊异地就医人次占异地就医总量的七成，是客户最先要上线的场景。",
            description=(
                "按参保地政策计算统筹基金支付、个人账户支付和个人现金支付，"
                "向省平台上传结算信息并打印结算单。"
            ),
            criteria=(
                (
                    "参保人已备案且处方明细已上传",
                    "收费员点击“结算”",
                    "系统按参保地政策分段计算，返回统筹、个账和现金三部分金额",
                ),
                "结算单金额与省平台返回的结算结果逐项一致。",
            ),
            tags=("异地就医", "结算"),
            value=10,
            effort=15,
        ),
        DemoRequirement(
            "R3",
            IMPLEMENTED,
            Z,
            "结算失败自动冲正",
            F,
            MUST,
            S.MEETING,
            zhao,
            parent="E1",
            reference="周例会纪要（第 6 周）",
            background=(
                "网络超时时医院端认为结算失败，省平台却已扣款，形成单边账，需人工到医保中心核销。"
            ),
            description=(
                "结算请求超时或返回异常时，系统在 60 秒内自动向省平台发起冲正交易，"
                "冲正结果记入日志并通知收费员。"
            ),
            criteria=(
                "超时的结算交易在 60 秒内自动冲正。",
                (
                    "冲正交易连续失败",
                    "第 3 次冲正失败后",
                    "系统生成待办并通知结算业务组人工处理",
                ),
            ),
            tags=("结算", "稳定性"),
            effort=6,
        ),
        DemoRequirement(
            "R4",
            CHANGED,
            W,
            "异地结算明细上传",
            F,
            MUST,
            S.DOCUMENT,
            bureau,
            parent="E1",
            reference=f"{spec_v3} 4.3 节",
            background="省平台要求结算后 24 小时内上传费用明细，逾期将影响医院清算。",
            description=(
                "每笔异地结算完成后，系统自动上传费用明细；"
                "上传失败的明细进入重传队列，每小时重试一次。"
            ),
            criteria=(
                "结算后 24 小时内明细上传率 100%。",
                "重传队列中的明细可在管理界面查看并手工重传。",
            ),
            tags=("异地就医", "省平台接口"),
            effort=5,
            edit={
                "data": {
                    "description": (
                        "每笔异地结算完成后，系统自动上传费用明细；上传失败的明细进入重传队列，"
                        "每 10 分钟重试一次，超过 12 小时仍未成功时短信通知医院信息科。"
                    )
                },
                "criteria": (
                    "结算后 24 小时内明细上传率 100%。",
                    "重传队列中的明细可在管理界面查看并手工重传。",
                    "超过 12 小时仍未上传成功的明细，短信通知医院信息科负责人。",
                ),
                "note": "省医保局 V3.0 补充通知：重传间隔缩短为 10 分钟，并增加超时告警",
            },
        ),
        DemoRequirement(
            "D1",
            SUBMITTED,
            Z,
            "结算单打印格式符合省局模板",
            F,
            SHOULD,
            S.DOCUMENT,
            zhou,
            parent="R2",
            reference="省医保局结算单统一模板（附件 2）",
            description=(
                "结算单按省局统一模板打印：抬头、参保地、统筹支付、个人账户支付、现金支付和"
                "二维码位置均与模板一致，支持 A5 针式打印机。"
            ),
            criteria=("打印样张经医保中心审核通过。",),
            tags=("结算", "收费窗口"),
            effort=2,
        ),
        DemoRequirement(
            "D2",
            RETURNED_EDITED,
            W,
            "个人账户与统筹基金分段计算",
            F,
            MUST,
            S.WORKSHOP,
            sun,
            parent="R2",
            reference="结算流程工作坊（第 2 次）",
            description="按参保地的起付线、支付比例和封顶线计算统筹支付，剩余部分由个人账户支付。",
            criteria=("计算结果与省平台试算接口一致。",),
            tags=("结算",),
            effort=4,
            decision=(
                "未考虑参保地个人账户不能跨省使用的情况。请补充：参保地不允许个账跨省支付时，"
                "剩余部分全部由现金支付，并在结算单上注明。"
            ),
            edit={
                "data": {
                    "description": (
                        "按参保地的起付线、支付比例和封顶线计算统筹支付；参保地允许个人账户"
                        "跨省使用时，剩余部分先由个人账户支付，否则全部由个人现金支付，并在"
                        "结算单上注明“个账不可跨省使用”。"
                    )
                },
                "criteria": (
                    "计算结果与省平台试算接口一致。",
                    (
                        "参保地不允许个人账户跨省使用",
                        "收费员结算一笔门诊费用",
                        "个人账户支付为 0，结算单注明“个账不可跨省使用”",
                    ),
                ),
                "note": "按客户退回意见，补充个人账户不可跨省使用的情形",
            },
        ),
        DemoRequirement(
            "R5",
            CONFIRMED,
            Z,
            "医院日对账",
            F,
            MUST,
            S.INTERVIEW,
            zhou,
            parent="E2",
            reference="访谈纪要 HZ-IV-05",
            description=(
                "每日 6:00 前自动从省平台下载前一清算日的结算数据，与医院 HIS 结算记录逐笔比对，"
                "生成对账结果。"
            ),
            criteria=(
                (
                    "前一清算日医院与省平台的结算记录完全一致",
                    "对账任务完成",
                    "对账结果显示“平”，无需人工处理",
                ),
                "对账任务在每日 6:00 前完成。",
            ),
            tags=("对账",),
            value=8,
            effort=6,
        ),
        DemoRequirement(
            "R6",
            RETURNED,
            Z,
            "对账差异明细导出",
            F,
            COULD,
            S.EMAIL,
            sun,
            parent="E2",
            reference="邮件：对账差异的处理方式",
            description=(
                "对账不平时列出差异明细（单边账、金额不一致），支持导出 Excel 交给财务处理。"
            ),
            criteria=("差异明细可导出为 Excel，列与对账界面一致。",),
            tags=("对账", "报表"),
            decision="导出的列需要与医院财务现用的对账模板一致，请先拿到模板，再写清楚列清单。",
        ),
        DemoRequirement(
            "R7",
            SUBMITTED,
            Z,
            "月度医保结算报表",
            F,
            SHOULD,
            S.QUESTIONNAIRE,
            "定点医院财务（问卷 32 份）",
            parent="E2",
            reference="需求调研问卷汇总 第 3 题",
            description=(
                "按月汇总各参保地的结算笔数、总费用、统筹支付和个人支付，可按科室筛选，"
                "导出 PDF 和 Excel。"
            ),
            criteria=("报表合计数与当月清算单一致。", "支持按科室、参保地筛选。"),
            tags=("报表",),
            effort=5,
        ),
        DemoRequirement(
            "R8",
            REJECTED,
            Z,
            "医保办对账大屏",
            F,
            WONT,
            S.FEEDBACK,
            "某三甲医院信息科 吴工",
            parent="E2",
            reference="原型评审反馈",
            description="在医保办大屏实时展示当日结算笔数、金额和对账状态。",
            criteria=("大屏每 5 分钟刷新一次。",),
            tags=("报表",),
            decision="本期预算不含大屏硬件，此项本期不做，明年二期再议。",
        ),
        DemoRequirement(
            "R9",
            CONFIRMED,
            W,
            "V3.0 接口报文适配",
            F,
            MUST,
            S.DOCUMENT,
            bureau,
            parent="E3",
            reference=f"{spec_v3} 第 4 章",
            description=(
                "按 V3.0 规范改造结算、备案查询、明细上传、冲正等 12 个交易的报文格式和字段映射。"
            ),
            criteria=("12 个交易全部通过省平台测试环境联调。", "字段映射表经客户确认后归档。"),
            tags=("省平台接口",),
            effort=20,
        ),
        DemoRequirement(
            "N1",
            CONFIRMED,
            W,
            "接口报文国密加密与签名",
            NF,
            MUST,
            S.DOCUMENT,
            bureau,
            parent="E3",
            quality=QualityAttribute.SECURITY,
            reference=f"{spec_v3} 第 6 章 安全要求",
            description=(
                "与省平台之间的所有报文使用 SM4 加密、SM2 签名；密钥由医院向省局申请，"
                "保存在加密机中，不落地存储。"
            ),
            criteria=(
                ("报文签名校验失败", "系统收到该报文", "拒绝处理并记录安全日志"),
                "密钥不以明文形式出现在数据库、配置文件和日志中。",
            ),
            tags=("安全", "省平台接口"),
        ),
        DemoRequirement(
            "N2",
            CONFIRMED,
            PM.email,
            "结算高峰响应时间不超过 2 秒",
            NF,
            MUST,
            S.MEETING,
            zhao,
            quality=QualityAttribute.PERFORMANCE,
            reference="项目启动会纪要",
            background=(
                "每天 8:00–10:00 是门诊结算高峰，收费窗口排队严重，客户把响应时间列为验收指标。"
            ),
            description=(
                "在 200 个收费窗口并发结算的情况下，单笔结算（不含省平台处理时间）"
                "95% 的响应时间不超过 2 秒。"
            ),
            criteria=(
                ("200 个收费窗口并发结算", "压测持续 30 分钟", "95% 的结算请求在 2 秒内返回"),
            ),
            tags=("性能",),
            value=9,
        ),
        DemoRequirement(
            "N3",
            CONFIRMED,
            PM.email,
            "结算服务可用性不低于 99.9%",
            NF,
            MUST,
            S.DOCUMENT,
            zhao,
            quality=QualityAttribute.RELIABILITY,
            reference="合同附件 3：服务等级协议",
            description=(
                "结算服务月可用性不低于 99.9%；计划内维护安排在 0:00–5:00，并提前 3 天通知医院。"
            ),
            criteria=("月度可用性报表按 SLA 口径统计，每月提交客户。",),
            tags=("稳定性",),
        ),
        DemoRequirement(
            "N4",
            IN_REVIEW,
            Z,
            "收费员三步内完成一笔结算",
            NF,
            SHOULD,
            S.WORKSHOP,
            zhou,
            quality=QualityAttribute.USABILITY,
            reference="原型评审反馈",
            description=(
                "从读卡到打印结算单不超过三步操作，"
                "常用操作支持键盘快捷键，新收费员培训半天即可上岗。"
            ),
            criteria=("5 名收费员参加的可用性测试中，单笔结算平均不超过 3 步操作。",),
            tags=("收费窗口",),
        ),
        DemoRequirement(
            "N5",
            DRAFT,
            W,
            "兼容信创终端与国产浏览器",
            NF,
            SHOULD,
            S.QUESTIONNAIRE,
            "定点医院信息科（问卷 32 份）",
            quality=QualityAttribute.COMPATIBILITY,
            reference="需求调研问卷汇总 第 7 题",
            description=(
                "收费界面在统信 UOS + 奇安信浏览器、Windows 7 + Chrome 109 上均可正常使用。"
            ),
            criteria=("在两类终端上完成全部结算场景的回归测试。",),
            tags=("兼容性",),
        ),
        DemoRequirement(
            "C1",
            CONFIRMED,
            PM.email,
            "部署于医保专网，数据不出省",
            C,
            MUST,
            S.DOCUMENT,
            bureau,
            reference="《医疗保障信息平台安全管理办法》",
            description=(
                "系统部署在医保专网内的客户机房，参保人信息和结算数据不得存储或传输至专网以外；"
                "运维通过堡垒机访问。"
            ),
            criteria=("部署架构图经客户安全部门审核签字。",),
            tags=("安全",),
        ),
        DemoRequirement(
            "C2",
            IN_REVIEW,
            PM.email,
            "新旧接口并行运行一个月",
            C,
            MUST,
            S.MEETING,
            zhao,
            parent="E3",
            reference="周例会纪要（第 8 周）",
            description="新接口上线后，旧接口保留一个月作为回退通道，可按医院逐家切换。",
            criteria=("任一医院可在 30 分钟内切回旧接口。",),
            tags=("省平台接口",),
        ),
        DemoRequirement(
            "C3",
            DRAFT,
            W,
            "生产数据库采用国产数据库",
            C,
            SHOULD,
            S.EMAIL,
            zhao,
            reference="邮件：信创适配要求",
            description="生产数据库采用达梦 DM8；开发中保证 SQL 兼容，不使用数据库特有的存储过程。",
            criteria=("全部结算交易在达梦 DM8 上通过回归测试。",),
            tags=("兼容性",),
        ),
        DemoRequirement(
            "R10",
            WITHDRAWN,
            Z,
            "结算失败后一键重新提交",
            F,
            SHOULD,
            S.FEEDBACK,
            zhou,
            parent="E1",
            reference="原型评审反馈",
            description="结算失败后，收费员可一键重新提交，无需重新录入处方。",
            criteria=("重新提交不会重复扣费。",),
            tags=("结算",),
            decision="与“结算失败自动冲正”重复，合并到该需求处理。",
        ),
        DemoRequirement(
            "R11",
            DRAFT,
            PM.email,
            "微信小程序自助结算",
            F,
            COULD,
            S.FEEDBACK,
            "参保人满意度调查",
            parent="E1",
            reference="参保人满意度调查报告",
            description="参保人通过微信小程序查看待缴费用并自助完成医保结算，无需到收费窗口排队。",
            criteria=("小程序结算与窗口结算的金额一致。",),
            tags=("异地就医",),
        ),
    ]
    return DemoRequirementSet(
        approver=ZHAO,
        requirements=items,
        first_submission="需求规格说明书 V1.0 第一批需求，请逐条评审确认；有疑问请在需求下留言。",
        confirmation="已与结算业务组逐条核对，确认。",
        acceptance="联调环境验收通过，同意验收。",
        verification_note="联调测试通过，测试记录见联调测试报告第 3 章。",
        baseline=(
            "需求基线 V1.0",
            "需求调研和原型评审后双方确认的范围，作为联调测试和验收的依据。",
        ),
        second_submission="第二批需求，以及按退回意见修改后的需求，请评审。",
        links=[
            ("R2", LinkKind.DEPENDS_ON, "R1"),
            ("R9", LinkKind.DEPENDS_ON, "N1"),
            ("R4", LinkKind.DEPENDS_ON, "R9"),
            ("N2", LinkKind.CONFLICTS_WITH, "N1"),
            ("N4", LinkKind.REFINES, "R2"),
            ("R10", LinkKind.DUPLICATES, "R3"),
        ],
        comments=[
            (
                "N2",
                PM.email,
                Visibility.INTERNAL,
                "@wang.wei 压测环境下 SM4 加解密每笔约 300 毫秒，请评估是否需要硬件加密机，"
                "周三例会前给结论。",
            ),
            (
                "N2",
                W,
                Visibility.INTERNAL,
                "已评估：改用加密机后加解密降到 20 毫秒以内，需客户采购 2 台，已写入风险清单。",
            ),
            (
                "R5",
                SUN,
                Visibility.SHARED,
                "对账口径以医保中心清算日为准，不是自然日；跨零点的结算算在下一清算日。",
            ),
            ("R5", PM.email, Visibility.SHARED, "收到，描述和验收标准均已按**清算日**表述。"),
            (
                "D2",
                PM.email,
                Visibility.SHARED,
                (
                    "@zhao.lei 已按您的意见补充个人账户不可跨省使用的情形，"
                    "请在评审页对比第 1、2 版后确认。"
                ),
            ),
        ],
    )


def _acme_requirements() -> DemoRequirementSet:
    S = Source
    sarah, james = "Sarah Miller, Head of Customer Operations", "James Wong, Service Desk Lead"
    priya = "Priya Shah, Billing Manager"
    items = [
        DemoRequirement(
            "E1",
            CONFIRMED,
            PM.email,
            "Online shipment booking",
            B,
            MUST,
            S.WORKSHOP,
            sarah,
            reference="Discovery workshop 1: notes",
            background=(
                "Business customers book by phone or e-mail today; the service desk re-keys "
                "every booking and calls back on a third of them for missing details."
            ),
            description=(
                "Business customers book shipments themselves on the portal, with everything "
                "dispatch needs to plan the pickup."
            ),
            criteria=("A customer books a standard shipment without contacting the service desk.",),
            tags=("booking",),
            value=10,
        ),
        DemoRequirement(
            "E2",
            CONFIRMED,
            PM.email,
            "Real-time shipment tracking",
            B,
            MUST,
            S.WORKSHOP,
            sarah,
            reference="Discovery workshop 1: notes",
            background="“Where is my shipment?” makes up 45% of the calls to the service desk.",
            description="Customers see where each of their shipments is, from pickup to delivery.",
            criteria=("Every scan of a customer's shipment appears on the portal.",),
            tags=("tracking",),
            value=9,
        ),
        DemoRequirement(
            "E3",
            CONFIRMED,
            PM.email,
            "Self-service invoices",
            B,
            SHOULD,
            S.INTERVIEW,
            priya,
            reference="Interview notes: billing",
            background="Billing e-mails some 1,200 PDF invoices by hand every month.",
            description="Customers find, download and query their invoices on the portal.",
            criteria=("Customers download any invoice of the last 24 months.",),
            tags=("billing",),
            value=6,
        ),
        DemoRequirement(
            "R1",
            ACCEPTED,
            T,
            "Book a shipment with saved addresses",
            F,
            MUST,
            S.WORKSHOP,
            james,
            parent="E1",
            reference="Discovery workshop 2: notes",
            description=(
                "A customer picks pickup and delivery addresses from an address book, enters "
                "the parcels (count, weight, dimensions) and a pickup window, and gets a "
                "booking reference at once."
            ),
            criteria=(
                (
                    "a customer with two saved addresses",
                    "they book a shipment of 3 parcels between them",
                    "they get a booking reference and a confirmation e-mail",
                ),
                "The booking reaches the dispatch system within one minute.",
            ),
            tags=("booking",),
            value=9,
            effort=12,
        ),
        DemoRequirement(
            "R2",
            VERIFIED,
            T,
            "Show the price before booking",
            F,
            MUST,
            S.MEETING,
            priya,
            parent="E1",
            reference="Pricing meeting: minutes",
            description=(
                "The booking form shows the price from the customer's contract rates, fuel "
                "surcharge included, before the customer confirms."
            ),
            criteria=(
                (
                    "a customer on contract rates",
                    "they enter the weight and destination",
                    "the price shown equals the price later invoiced",
                ),
            ),
            tags=("booking", "billing"),
            value=8,
            effort=6,
        ),
        DemoRequirement(
            "R3",
            RETURNED_EDITED,
            T,
            "Upload customs documents",
            F,
            SHOULD,
            S.EMAIL,
            james,
            parent="E1",
            reference="E-mail: export bookings",
            description="Customers attach commercial invoices to export bookings.",
            criteria=("Files up to 10 MB can be attached.",),
            tags=("booking", "customs"),
            effort=4,
            decision=(
                "Attachments alone don't help customs: we need the HS code and declared value "
                "of each parcel, and PDF files only."
            ),
            edit={
                "data": {
                    "description": (
                        "Customers attach the commercial invoice (PDF) to an export booking and "
                        "enter the HS code and declared value of each parcel; the booking cannot "
                        "be confirmed without them."
                    )
                },
                "criteria": (
                    "Only PDF files up to 10 MB can be attached.",
                    (
                        "an export booking without an HS code",
                        "the customer confirms it",
                        "the booking is refused and the missing field is named",
                    ),
                ),
                "note": "As Sarah asked: HS code and declared value per parcel, PDF only",
            },
        ),
        DemoRequirement(
            "D1",
            IMPLEMENTED,
            T,
            "Address lookup by postcode",
            F,
            COULD,
            S.FEEDBACK,
            "Pilot customer: Northwind Traders",
            parent="R1",
            reference="Pilot feedback form #14",
            description="Typing a postcode suggests the matching street addresses.",
            criteria=(
                "Suggestions appear within 300 ms of typing the postcode.",
                "The customer can still type an address that is not suggested.",
            ),
            tags=("booking",),
            effort=3,
        ),
        DemoRequirement(
            "R4",
            REJECTED,
            T,
            "Recurring bookings",
            F,
            COULD,
            S.FEEDBACK,
            "Pilot customer: Contoso",
            parent="E1",
            reference="Pilot feedback form #9",
            description="Customers set up a weekly pickup that books itself.",
            criteria=("A weekly booking is created every week until cancelled.",),
            tags=("booking",),
            decision=(
                "Not for the pilot. We'll raise it as a change request after go-live if "
                "customers keep asking."
            ),
        ),
        DemoRequirement(
            "R5",
            RETURNED,
            T,
            "Bulk booking from a CSV file",
            F,
            SHOULD,
            S.INTERVIEW,
            james,
            parent="E1",
            reference="Interview notes: service desk",
            description=(
                "Large customers upload a CSV file of up to 500 shipments and see which rows "
                "failed and why."
            ),
            criteria=("Rows with errors are listed with the reason; the valid rows are booked.",),
            tags=("booking",),
            decision=(
                "Please list the columns of our current Excel template before we confirm this."
            ),
        ),
        DemoRequirement(
            "R6",
            CHANGED,
            T,
            "Show the status within five minutes of a scan",
            F,
            MUST,
            S.WORKSHOP,
            sarah,
            parent="E2",
            reference="Discovery workshop 1: notes",
            description=(
                "Every scan in a depot or by a driver appears on the shipment's page within "
                "five minutes."
            ),
            criteria=(
                (
                    "a driver scans a parcel at delivery",
                    "five minutes pass",
                    "the customer sees “Delivered” with the time of the scan",
                ),
            ),
            tags=("tracking",),
            value=9,
            effort=8,
            edit={
                "data": {
                    "title": "Show the status within two minutes of a scan",
                    "description": (
                        "Every scan in a depot or by a driver appears on the shipment's page "
                        "within two minutes."
                    ),
                },
                "criteria": (
                    (
                        "a driver scans a parcel at delivery",
                        "two minutes pass",
                        "the customer sees “Delivered” with the time of the scan",
                    ),
                ),
                "note": "The new depot scanners send events at once: two minutes instead of five",
            },
        ),
        DemoRequirement(
            "R7",
            SUBMITTED,
            T,
            "Delay alerts by e-mail",
            F,
            SHOULD,
            S.MEETING,
            sarah,
            parent="E2",
            reference="Weekly status meeting, week 4",
            description=(
                "When a shipment misses its planned delivery window, the customer's contacts "
                "get an e-mail with the new estimate."
            ),
            criteria=("The alert goes out within 15 minutes of the window being missed.",),
            tags=("tracking", "notifications"),
            effort=3,
        ),
        DemoRequirement(
            "R8",
            SUBMITTED,
            T,
            "Download the proof of delivery",
            F,
            SHOULD,
            S.INTERVIEW,
            priya,
            parent="E2",
            reference="Interview notes: billing",
            description=(
                "Customers download the signed proof of delivery (PDF with signature and "
                "photo) of a delivered shipment."
            ),
            criteria=(
                (
                    "a delivered shipment with a signature",
                    "the customer opens it",
                    "they can download the proof of delivery as a PDF",
                ),
            ),
            tags=("tracking", "billing"),
            effort=2,
        ),
        DemoRequirement(
            "R9",
            DRAFT,
            T,
            "Map of shipments in transit",
            F,
            COULD,
            S.FEEDBACK,
            "Pilot customer: Northwind Traders",
            parent="E2",
            reference="Pilot feedback form #17",
            description=(
                "A map shows the last known position of the customer's shipments in transit."
            ),
            criteria=("Only the customer's own shipments appear on the map.",),
            tags=("tracking",),
        ),
        DemoRequirement(
            "R10",
            CONFIRMED,
            PM.email,
            "Download invoices as PDF",
            F,
            MUST,
            S.INTERVIEW,
            priya,
            parent="E3",
            reference="Interview notes: billing",
            description=(
                "Customers list their invoices by month and status and download each as the "
                "PDF that SAP produced."
            ),
            criteria=("The PDF on the portal is the one SAP billing produced, unchanged.",),
            tags=("billing",),
            effort=4,
        ),
        DemoRequirement(
            "R11",
            IN_REVIEW,
            T,
            "Dispute an invoice line",
            F,
            SHOULD,
            S.MEETING,
            priya,
            parent="E3",
            reference="Billing process meeting: minutes",
            description=(
                "Customers flag an invoice line with a reason; billing answers on the portal."
            ),
            criteria=("Billing sees the disputed lines in a queue, oldest first.",),
            tags=("billing",),
        ),
        DemoRequirement(
            "R12",
            WITHDRAWN,
            T,
            "Invoice PDF export",
            F,
            SHOULD,
            S.EMAIL,
            james,
            parent="E3",
            reference="E-mail: invoice copies",
            description="Invoices can be exported as PDF.",
            criteria=("Invoices export as PDF.",),
            tags=("billing",),
            decision="Duplicate of “Download invoices as PDF”.",
        ),
        DemoRequirement(
            "R13",
            DRAFT,
            PM.email,
            "Pay invoices by card",
            F,
            WONT,
            S.QUESTIONNAIRE,
            "Customer survey (41 answers)",
            parent="E3",
            reference="Customer survey, question 9",
            description="Customers pay open invoices by credit card on the portal.",
            criteria=("Paid invoices show as paid the next day.",),
            tags=("billing",),
        ),
        DemoRequirement(
            "N1",
            CONFIRMED,
            PM.email,
            "Booking page usable within two seconds on 4G",
            NF,
            MUST,
            S.WORKSHOP,
            sarah,
            quality=QualityAttribute.PERFORMANCE,
            reference="Discovery workshop 2: notes",
            background="Many bookings are made by warehouse staff on phones.",
            description=(
                "The booking form is interactive within two seconds on a 4G connection, for a "
                "customer with 100 saved addresses."
            ),
            criteria=(
                (
                    "a customer with 100 saved addresses on a throttled 4G connection",
                    "they open the booking page",
                    "it is interactive within 2 seconds",
                ),
            ),
            tags=("performance",),
        ),
        DemoRequirement(
            "N2",
            IN_REVIEW,
            T,
            "Single sign-on with customers' Microsoft Entra ID",
            NF,
            SHOULD,
            S.EMAIL,
            "ACME IT security",
            quality=QualityAttribute.SECURITY,
            reference="E-mail: sign-in requirements",
            description=(
                "Large customers sign in with their own Entra ID (OpenID Connect); the others "
                "use e-mail, password and a second factor."
            ),
            criteria=(
                "A customer's administrator can require single sign-on for all their users.",
            ),
            tags=("security",),
        ),
        DemoRequirement(
            "N3",
            CONFIRMED,
            PM.email,
            "Accessible to WCAG 2.1 AA",
            NF,
            SHOULD,
            S.DOCUMENT,
            "ACME Digital team",
            quality=QualityAttribute.USABILITY,
            reference="ACME Digital Accessibility Policy v2",
            description="Booking, tracking and invoices meet WCAG 2.1 level AA.",
            criteria=("An external audit finds no AA failure on booking, tracking and invoices.",),
            tags=("accessibility",),
        ),
        DemoRequirement(
            "N4",
            CONFIRMED,
            PM.email,
            "99.5% availability in business hours",
            NF,
            MUST,
            S.DOCUMENT,
            sarah,
            quality=QualityAttribute.RELIABILITY,
            reference="Contract, schedule 2 (service levels)",
            description="The portal is available 99.5% of Monday to Saturday, 06:00–22:00 CET.",
            criteria=("A monthly availability report follows the contract's definition.",),
            tags=("operations",),
        ),
        DemoRequirement(
            "N5",
            DRAFT,
            T,
            "Supported browsers",
            NF,
            SHOULD,
            S.MEETING,
            james,
            quality=QualityAttribute.COMPATIBILITY,
            reference="Weekly status meeting, week 3",
            description=(
                "The latest two versions of Chrome, Edge, Safari and Firefox, desktop and mobile."
            ),
            criteria=("The regression suite passes on every supported browser.",),
        ),
        DemoRequirement(
            "C1",
            CONFIRMED,
            PM.email,
            "Customer data stays in the EU",
            C,
            MUST,
            S.DOCUMENT,
            "ACME Legal",
            reference="Data processing agreement, section 4",
            description=(
                "All customer data, backups included, is stored and processed in EU data centres."
            ),
            criteria=("The hosting contract names EU regions only.",),
            tags=("security",),
        ),
        DemoRequirement(
            "C2",
            CONFIRMED,
            PM.email,
            "Invoices come from SAP through the nightly file",
            C,
            MUST,
            S.MEETING,
            "ACME IT",
            reference="Integration meeting: minutes",
            description=(
                "The portal reads invoices from SAP's nightly export (SFTP, CSV and PDF); it "
                "never writes to SAP."
            ),
            criteria=("Invoices are on the portal by 07:00 the next morning.",),
            tags=("billing", "integration"),
        ),
    ]
    return DemoRequirementSet(
        approver=SARAH,
        requirements=items,
        first_submission=(
            "The first set from the discovery workshops. Please confirm each one, or return it "
            "with a comment saying what is missing."
        ),
        confirmation="Checked with dispatch and billing: confirmed.",
        acceptance="Works in the pilot with Northwind Traders: accepted.",
        verification_note="Passed in the pilot test run; see the test report, section 2.",
        baseline=("Pilot scope", "What we agreed for the pilot with three customers."),
        second_submission=(
            "Tracking follow-ups, and customs documents reworked after your comments."
        ),
        links=[
            ("R3", LinkKind.DEPENDS_ON, "R1"),
            ("R7", LinkKind.DEPENDS_ON, "R6"),
            ("R10", LinkKind.DEPENDS_ON, "C2"),
            ("D1", LinkKind.REFINES, "R1"),
            ("N1", LinkKind.CONFLICTS_WITH, "R2"),
            ("R12", LinkKind.DUPLICATES, "R10"),
        ],
        comments=[
            (
                "N1",
                PM.email,
                Visibility.INTERNAL,
                "@tom.baker the rating engine takes 1.4 s on average. Can the price load after "
                "the form is interactive? Please check before Thursday.",
            ),
            (
                "N1",
                T,
                Visibility.INTERNAL,
                "Yes: the price now loads after the form; 1.6 s to interactive on the 4G profile.",
            ),
            ("R1", SARAH, Visibility.SHARED, "Tested in the pilot with Northwind: works well."),
            (
                "R6",
                JAMES,
                Visibility.SHARED,
                "Our depots moved to the new scanners last week, so two minutes should be "
                "doable. Can you confirm the new target?",
            ),
            (
                "R3",
                PM.email,
                Visibility.SHARED,
                "@sarah.miller we added the HS code and declared value per parcel and accept "
                "PDF files only, as you asked. Version 2 is on your review page.",
            ),
        ],
    )


def _requirement_sets() -> dict[str, DemoRequirementSet]:
    return {"HZYB": _hzyb_requirements(), "ACME": _acme_requirements()}


def _criteria(items: tuple[Criterion, ...]) -> list[dict[str, str]]:
    result = []
    for item in items:
        if isinstance(item, tuple):
            given, when, then = item
            style = CriterionStyle.GHERKIN
            result.append({"style": style, "given": given, "when": when, "then": then})
        else:
            result.append({"style": CriterionStyle.FREE, "text": item})
    return result


def _build_requirements(project: Project, spec: DemoRequirementSet, users: dict[str, User]) -> None:
    """Play the requirement history of a project: written by the team, reviewed internally,
    submitted, decided by the client approver, built and verified, frozen in a baseline, edited
    afterwards, submitted again and discussed — every step through the services."""
    pm, approver = users[PM.email], users[spec.approver]
    made: dict[str, int] = {}

    def get(ref: str) -> Requirement:
        return Requirement.objects.select_related("project").get(pk=made[ref])

    def having(*plans: str) -> list[DemoRequirement]:
        return [item for item in spec.requirements if item.plan in plans]

    def step(item: DemoRequirement, transition: str, actor: User, comment: str = "") -> None:
        requirements.requirement_transition(
            actor=actor, requirement=get(item.ref), transition=transition, comment=comment
        )

    for item in spec.requirements:
        made[item.ref] = requirements.requirement_create(
            actor=users[item.author],
            project=project,
            criteria=_criteria(item.criteria),
            tags=list(item.tags),
            parent=get(item.parent) if item.parent else None,
            **item.fields(),
        ).pk
    for source, kind, target in spec.links:
        requirements.link_create(actor=pm, source=get(source), target=get(target), kind=kind)
    for item in spec.requirements:
        if item.plan not in (DRAFT, WITHDRAWN):
            step(item, Transition.SEND_TO_REVIEW, users[item.author])

    # The first round with the client.
    requirements.requirements_submit(
        actor=pm,
        project=project,
        requirements=[get(item.ref) for item in having(*FIRST_ROUND)],
        message=spec.first_submission,
    )
    requirements.requirements_confirm(
        actor=approver,
        project=project,
        requirements=[get(item.ref) for item in having(*AGREED)],
        comment=spec.confirmation,
    )
    for item in having(RETURNED, RETURNED_EDITED):
        requirements.requirement_return(
            actor=approver, requirement=get(item.ref), comment=item.decision
        )
    for item in having(REJECTED):
        requirements.requirement_reject(
            actor=approver, requirement=get(item.ref), comment=item.decision
        )
    for item in having(WITHDRAWN):
        step(item, Transition.WITHDRAW, pm, item.decision)

    # Built, tested against the acceptance criteria, accepted by the client.
    for item in having(IMPLEMENTED, VERIFIED, ACCEPTED):
        builder = users[item.author]
        step(item, Transition.MARK_IMPLEMENTED, builder)
        criteria = list(get(item.ref).criteria.order_by("position"))
        if item.plan == IMPLEMENTED:
            criteria = criteria[:1]
        for criterion in criteria:
            requirements.criterion_verify(
                actor=builder, criterion=criterion, verified=True, note=spec.verification_note
            )
        if item.plan in (VERIFIED, ACCEPTED):
            step(item, Transition.VERIFY, builder)
        if item.plan == ACCEPTED:
            step(item, Transition.ACCEPT, approver, spec.acceptance)

    name, description = spec.baseline
    requirements.baseline_create(actor=pm, project=project, name=name, description=description)

    # Reworked after the client's return; changed after the baseline froze the confirmed text.
    for item in having(RETURNED_EDITED, CHANGED):
        edit = item.edit or {}
        requirements.requirement_update(
            actor=users[item.author],
            requirement=get(item.ref),
            data=edit.get("data", {}),
            criteria=_criteria(edit["criteria"]) if "criteria" in edit else None,
            note=edit.get("note", ""),
        )
    requirements.requirements_submit(
        actor=pm,
        project=project,
        requirements=[get(item.ref) for item in having(SUBMITTED, RETURNED_EDITED)],
        message=spec.second_submission,
    )
    for ref, author, visibility, body in spec.comments:
        requirements.comment_create(
            actor=users[author], requirement=get(ref), body=body, visibility=visibility
        )


# Risks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRisk:
    """A risk as the PM records it, then its reviews (probability, impact, new status or None,
    note, reviewer) and response actions (description, owner, due in days from today —
    negative: overdue —, done)."""

    fields: dict[str, Any]
    owner: str | None = None
    reviews: tuple[tuple[int, int, str | None, str, str], ...] = ()
    actions: tuple[tuple[str, str | None, int, bool], ...] = ()


def _hzyb_risks() -> list[DemoRisk]:
    wang, zhang, zhao = "wang.wei@demo.accord", "zhang.min@demo.accord", "zhao.lei@hz-medical.demo"
    return [
        DemoRisk(
            fields={
                "title": "省医保新接口规范正式版延迟发布",
                "category": Category.SCHEDULE,
                "cause": "省医保局的接口规范仍处于征求意见阶段，发布时间未定。",
                "event": "正式版规范晚于系统联调测试的开始时间发布。",
                "consequence": "联调测试推迟，系统上线里程碑可能顺延两到四周。",
                "probability": 4,
                "impact": 4,
                "strategy": Strategy.MITIGATE,
                "trigger": "医保局信息中心未在月底前公布正式版。",
                "visibility": Visibility.SHARED,
            },
            owner=wang,
            reviews=((3, 4, None, "医保局确认本月发布正式版，仅字段说明有调整。", wang),),
            actions=(
                ("每周与医保局信息中心确认规范发布进度", wang, 5, False),
                ("基于征求意见稿先行开发接口适配层", zhang, -4, False),
                ("梳理征求意见稿与现有接口的差异清单", wang, -20, True),
            ),
        ),
        DemoRisk(
            fields={
                "title": "结算高峰期响应时间超过 2 秒",
                "category": Category.TECHNICAL,
                "cause": "月初结算高峰并发量是平时的五倍，现有结算服务为单库部署。",
                "event": "高峰期结算接口响应时间超过 2 秒。",
                "consequence": "无法满足项目目标，医院窗口排队，影响客户满意度。",
                "probability": 3,
                "impact": 5,
                "strategy": Strategy.MITIGATE,
                "trigger": "压测中 95% 响应时间超过 1.5 秒。",
            },
            owner=zhang,
            actions=(("按五倍日常并发完成结算核心压测", zhang, 20, False),),
        ),
        DemoRisk(
            fields={
                "title": "核心开发人员流动",
                "category": Category.RESOURCE,
                "cause": "结算核心模块只有一名熟悉旧系统的开发人员。",
                "event": "该开发人员在联调期间离岗。",
                "consequence": "接口改造进度停滞，交接需要至少两周。",
                "probability": 2,
                "impact": 4,
                "strategy": Strategy.MITIGATE,
                "trigger": "请假或调岗申请。",
            },
            owner=PM.email,
            actions=(("安排第二名开发人员结对开发并补齐设计文档", PM.email, 14, False),),
        ),
        DemoRisk(
            fields={
                "title": "定点医院 HIS 系统改造配合不足",
                "category": Category.CLIENT,
                "cause": "三家试点医院的 HIS 厂商排期紧张。",
                "event": "医院端接口改造未能在联调前完成。",
                "consequence": "异地就医结算场景无法端到端验证。",
                "probability": 3,
                "impact": 3,
                "strategy": Strategy.ESCALATE,
                "trigger": "HIS 厂商未按约定提交改造计划。",
                "visibility": Visibility.SHARED,
            },
            owner=zhao,
            actions=(("由客户牵头召开医院与 HIS 厂商协调会", zhao, 10, False),),
        ),
        DemoRisk(
            fields={
                "title": "异地就医结算对账出现差异",
                "category": Category.REQUIREMENTS,
                "cause": "各地医保目录与报销比例不一致，对账规则尚未确认。",
                "event": "医院端对账报表与医保中心清算结果不一致。",
                "consequence": "需要人工核对，结算成功率达不到 99.5%。",
                "probability": 3,
                "impact": 4,
                "strategy": Strategy.MITIGATE,
                "trigger": "联调中出现单笔差异超过 1 元的记录。",
                "visibility": Visibility.SHARED,
            },
            owner=wang,
            reviews=((4, 4, None, "联调首周发现 12 笔对账差异，需与客户确认规则。", wang),),
            actions=(("与客户业务骨干确认对账规则并形成书面需求", wang, 7, False),),
        ),
        DemoRisk(
            fields={
                "title": "参保人个人信息泄露",
                "category": Category.SECURITY,
                "cause": "测试环境使用了未脱敏的生产数据副本。",
                "event": "测试数据被无关人员访问或外传。",
                "consequence": "违反个人信息保护要求，客户关系和项目声誉严重受损。",
                "probability": 1,
                "impact": 5,
                "strategy": Strategy.AVOID,
                "trigger": "发现测试库中存在真实身份证号。",
            },
            owner=zhang,
            actions=(("测试数据全部脱敏后再导入测试环境", zhang, -30, True),),
        ),
        DemoRisk(
            fields={
                "title": "医保局验收标准发生变化",
                "category": Category.LEGAL,
                "cause": "验收细则随新接口规范一起修订。",
                "event": "验收时增加新的检查项。",
                "consequence": "需要补充开发与测试，验收推迟。",
                "probability": 2,
                "impact": 3,
                "strategy": Strategy.ACCEPT,
                "visibility": Visibility.SHARED,
            },
            owner=PM.email,
            reviews=((1, 3, RiskStatus.CLOSED, "客户已书面确认验收标准，风险关闭。", PM.email),),
        ),
        DemoRisk(
            fields={
                "title": "省医保测试环境不稳定",
                "category": Category.TECHNICAL,
                "cause": "省医保测试环境同时服务多家厂商联调。",
                "event": "测试环境停机或数据被重置。",
                "consequence": "联调计划中断，需要重新准备测试数据。",
                "probability": 3,
                "impact": 3,
                "strategy": Strategy.ACCEPT,
                "trigger": "医保局发布环境维护通知。",
            },
            owner=wang,
            # It then occurs as a problem (see _hzyb_problems), which marks it occurred.
            reviews=((5, 3, None, "测试环境停机三天，联调顺延一周。", wang),),
            actions=(("准备本地模拟医保接口，停机期间继续自测", zhang, -10, True),),
        ),
    ]


def _acme_risks() -> list[DemoRisk]:
    tom, sarah, james = (
        "tom.baker@demo.accord",
        "sarah.miller@acme-logistics.demo",
        "james.wong@acme-logistics.demo",
    )
    return [
        DemoRisk(
            fields={
                "title": "Data migration slips again",
                "category": Category.SCHEDULE,
                "cause": "Customer accounts in the old system hold duplicates and missing fields.",
                "event": "The second migration dry run fails like the first.",
                "consequence": "The pilot with three customers moves, and go-live with it.",
                "probability": 3,
                "impact": 4,
                "strategy": Strategy.MITIGATE,
                "trigger": "More than 2% of accounts rejected by the import.",
                "visibility": Visibility.SHARED,
            },
            owner=tom,
            reviews=((4, 4, None, "The dry run was missed: 6% of accounts were rejected.", tom),),
            actions=(
                ("Clean duplicate customer accounts in the old system", james, -3, False),
                ("Run the second dry run on a copy of production data", tom, 12, False),
            ),
        ),
        DemoRisk(
            fields={
                "title": "Tracking updates arrive late from the scanners",
                "category": Category.TECHNICAL,
                "cause": "Depot scanners upload in batches every 15 minutes.",
                "event": "Shipment status on the portal lags behind the scans.",
                "consequence": "The five-minute tracking objective is missed; customers call.",
                "probability": 3,
                "impact": 4,
                "strategy": Strategy.MITIGATE,
                "trigger": "Median scan-to-portal delay above five minutes in the pilot.",
            },
            owner=tom,
            actions=(("Prototype the scanners' streaming upload with one depot", tom, 21, False),),
        ),
        DemoRisk(
            fields={
                "title": "Pilot customers have no time for acceptance tests",
                "category": Category.CLIENT,
                "cause": "The pilot falls in the pilot customers' peak season.",
                "event": "Pilot customers skip the acceptance test sessions.",
                "consequence": "Defects surface after go-live instead of in the pilot.",
                "probability": 3,
                "impact": 3,
                "strategy": Strategy.MITIGATE,
                "visibility": Visibility.SHARED,
            },
            owner=sarah,
            actions=(
                ("Book acceptance test slots with the three pilot customers", sarah, 9, False),
            ),
        ),
        DemoRisk(
            fields={
                "title": "One front-end developer on the team",
                "category": Category.RESOURCE,
                "cause": "The booking and tracking screens depend on one developer.",
                "event": "The developer is ill or leaves during the pilot.",
                "consequence": "Pilot fixes stall for two weeks or more.",
                "probability": 2,
                "impact": 3,
                "strategy": Strategy.MITIGATE,
            },
            owner=PM.email,
        ),
        DemoRisk(
            fields={
                "title": "Invoice tax rules differ per country",
                "category": Category.LEGAL,
                "cause": "Business customers in three countries need country-specific invoices.",
                "event": "Downloaded invoices are not valid for a customer's tax office.",
                "consequence": "Invoices are reissued by hand; billing complains.",
                "probability": 2,
                "impact": 4,
                "strategy": Strategy.TRANSFER,
                "trigger": "A pilot customer's accountant rejects an invoice.",
                "visibility": Visibility.SHARED,
            },
            owner=james,
        ),
        DemoRisk(
            fields={
                "title": "Feature requests grow the scope",
                "category": Category.REQUIREMENTS,
                "cause": "Pilot customers see the portal and ask for more.",
                "event": "New requests are promised outside change control.",
                "consequence": "The go-live date and the budget slip.",
                "probability": 4,
                "impact": 2,
                "strategy": Strategy.AVOID,
                "trigger": "A request reaches the team without a change request.",
                "visibility": Visibility.SHARED,
            },
            owner=PM.email,
        ),
        DemoRisk(
            fields={
                "title": "Payment provider contract not signed in time",
                "category": Category.BUDGET,
                "cause": "ACME's purchasing negotiates the provider's fees.",
                "event": "The contract is not signed before the pilot.",
                "consequence": "Card payment is left out of the pilot.",
                "probability": 2,
                "impact": 3,
                "strategy": Strategy.ESCALATE,
            },
            owner=PM.email,
            reviews=((1, 3, RiskStatus.CLOSED, "Contract signed; the risk is closed.", PM.email),),
        ),
        DemoRisk(
            fields={
                "title": "Hosting costs above the estimate",
                "category": Category.BUDGET,
                "cause": "Tracking history is kept at full detail for every shipment.",
                "event": "The monthly cloud bill exceeds the estimate.",
                "consequence": "The operating budget agreed with ACME is overrun.",
                "probability": 2,
                "impact": 2,
                "strategy": Strategy.MITIGATE,
            },
            owner=tom,
            reviews=(
                # It then occurs as a problem (see _acme_problems), which marks it occurred.
                (5, 2, None, "Last month's bill was 40% over the estimate.", tom),
            ),
            actions=(("Archive tracking history older than 90 days", tom, -6, True),),
        ),
    ]


def _risk_sets() -> dict[str, list[DemoRisk]]:
    return {"HZYB": _hzyb_risks(), "ACME": _acme_risks()}


def _build_risks(project: Project, specs: list[DemoRisk], users: dict[str, User]) -> None:
    """Record each risk as the PM, then play its reviews and response actions; an overdue
    action is planned with a due date ahead and moved into the past later, as happens."""
    pm = users[PM.email]
    today = timezone.localdate()
    for spec in specs:
        owner = users[spec.owner] if spec.owner else None
        risk = risks.risk_create(actor=pm, project=project, owner=owner, **spec.fields)
        for description, who, due_in, done in spec.actions:
            action = risks.action_create(
                actor=pm,
                risk=risk,
                description=description,
                owner=users[who] if who else None,
                due_date=today + dt.timedelta(days=max(due_in, 7)),
            )
            if due_in < 7:
                action = risks.action_update(
                    actor=pm,
                    action=action,
                    data={"due_date": today + dt.timedelta(days=due_in)},
                )
            if done:
                risks.action_complete(actor=users[who] if who else pm, action=action, done=True)
        for probability, impact, status, note, reviewer in spec.reviews:
            risks.risk_review(
                actor=users[reviewer],
                risk=risk,
                probability=probability,
                impact=impact,
                status=status,
                note=note,
            )


# Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoProblem:
    """A problem of the register: `from_risk` names the demo risk that occurred as it (created
    through `risk_occurred`); `fields` are then written through the problem services.
    `requirements` names affected requirements by title; `due_in` is days from today."""

    fields: dict[str, Any]
    owner: str | None = None
    due_in: int | None = None
    from_risk: str | None = None
    requirements: tuple[str, ...] = ()


def _hzyb_problems() -> list[DemoProblem]:
    wang, zhang = "wang.wei@demo.accord", "zhang.min@demo.accord"
    return [
        DemoProblem(
            from_risk="省医保测试环境不稳定",
            fields={
                "title": "省医保测试环境停机三天，联调中断",
                "description": "医保局升级测试环境，停机三天，期间所有联调用例无法执行。",
                "impact": "异地结算联调顺延一周，V3.0 接口报文的验证随之推迟。",
                "root_cause": "医保局的环境维护通知只发给了客户信息科，没有转达项目组。",
                "status": ProblemStatus.IN_PROGRESS,
            },
            owner=wang,
            due_in=5,
            requirements=("V3.0 接口报文适配",),
        ),
        DemoProblem(
            fields={
                "title": "结算高峰期响应时间超过 5 秒",
                "description": "压测模拟 200 家医院同时结算，结算接口平均响应 5.3 秒。",
                "impact": "不满足“结算高峰响应时间不超过 2 秒”的要求，上线评审被推迟。",
                "root_cause": "结算明细表缺少按就诊流水号的索引，每笔结算都要全表扫描。",
                "solution": "增加复合索引，并把明细上传改为异步批量提交；复测平均响应 1.2 秒。",
                "status": ProblemStatus.SOLVED,
            },
            owner=zhang,
            requirements=("结算高峰响应时间不超过 2 秒",),
        ),
        DemoProblem(
            fields={
                "title": "客户提供的测试参保人数据不完整",
                "description": "客户提供的 500 条测试参保人数据中，有 120 条缺少异地备案信息。",
                "impact": "跨省门诊费用直接结算的测试用例有四分之一无法执行。",
                "visibility": Visibility.SHARED,
            },
            owner=PM.email,
            due_in=7,
            requirements=("跨省门诊费用直接结算", "异地就医备案信息查询"),
        ),
    ]


def _acme_problems() -> list[DemoProblem]:
    tom = "tom.baker@demo.accord"
    return [
        DemoProblem(
            from_risk="Hosting costs above the estimate",
            fields={
                "title": "Cloud bill 40% over the estimate",
                "description": "Last month's cloud bill was 40% above the agreed estimate.",
                "root_cause": (
                    "Tracking history is kept at full detail for every shipment, and no "
                    "retention period was ever set."
                ),
                "status": ProblemStatus.IN_PROGRESS,
            },
            owner=tom,
            due_in=10,
        ),
        DemoProblem(
            fields={
                "title": "Tracking statuses up to an hour late",
                "description": (
                    "During the pilot, scan events reached the tracking page 40 to 60 minutes "
                    "after the scan."
                ),
                "impact": "Customers called the service desk about parcels shown as not collected.",
                "root_cause": "The carrier feed was polled hourly instead of pushing its events.",
                "solution": (
                    "Switched to the carrier's webhook; statuses now appear within two minutes "
                    "of a scan."
                ),
                "status": ProblemStatus.SOLVED,
                "visibility": Visibility.SHARED,
            },
            owner=tom,
            requirements=("Show the status within two minutes of a scan",),
        ),
        DemoProblem(
            fields={
                "title": "Invoice file from SAP missing on two nights",
                "description": "The nightly invoice file from ACME's SAP did not arrive twice.",
                "impact": "Customers saw no new invoices for two days; three called about it.",
                "visibility": Visibility.SHARED,
            },
            owner=PM.email,
            due_in=4,
            requirements=(
                "Invoices come from SAP through the nightly file",
                "Download invoices as PDF",
            ),
        ),
    ]


def _problem_sets() -> dict[str, list[DemoProblem]]:
    return {"HZYB": _hzyb_problems(), "ACME": _acme_problems()}


def _build_problems(project: Project, specs: list[DemoProblem], users: dict[str, User]) -> None:
    """Record each problem through the services. A problem from a risk makes the risk occur
    (`risk_occurred`); a risk already marked occurred (loaded by an older demo) is linked
    instead, and a risk that has its problem already is left alone."""
    pm = users[PM.email]
    today = timezone.localdate()
    for spec in specs:
        owner = users[spec.owner] if spec.owner else None
        fields = dict(spec.fields)
        fields["requirements"] = [
            Requirement.objects.get(project=project, title=title) for title in spec.requirements
        ]
        if spec.due_in is not None:
            fields["due_date"] = today + dt.timedelta(days=spec.due_in)
        if spec.from_risk is None:
            problems.problem_create(actor=pm, project=project, owner=owner, **fields)
            continue
        risk = Risk.objects.get(project=project, title=spec.from_risk)
        if risk.problems.exists():
            continue
        if risk.status == RiskStatus.OCCURRED:
            problem = problems.problem_create(
                actor=pm,
                project=project,
                risk=risk,
                visibility=risk.visibility,
                title=fields.pop("title"),
                description=fields.pop("description", risk.event),
                impact=fields.pop("impact", risk.consequence),
            )
        else:
            problem = problems.risk_occurred(
                actor=owner or pm,
                risk=risk,
                title=fields.pop("title"),
                description=fields.pop("description", ""),
                impact=fields.pop("impact", ""),
            )
        problems.problem_update(actor=pm, problem=problem, data={"owner": owner, **fields})


@dataclass
class DemoReport:
    """What a run of the demo loader created (empty lists when everything existed)."""

    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    # Projects whose requirements were loaded (also a demo project loaded before requirements).
    requirements: list[str] = field(default_factory=list)
    # Projects whose risk register was loaded.
    risks: list[str] = field(default_factory=list)
    # Projects whose problems were loaded.
    problems: list[str] = field(default_factory=list)
    # Projects whose tasks (board, time, WIP limits) were loaded.
    tasks: list[str] = field(default_factory=list)
    # Projects whose change requests were loaded.
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.users
            or self.projects
            or self.requirements
            or self.risks
            or self.problems
            or self.tasks
            or self.changes
        )


def demo_logins() -> list[tuple[str, str]]:
    """(e-mail, who) of every demo login that exists in this database."""
    existing = set(
        User.objects.filter(email__in=[u.email for u in USERS]).values_list("email", flat=True)
    )
    return [(u.email, f"{u.full_name}, {u.description}") for u in USERS if u.email in existing]


def _ensure_users(report: DemoReport) -> dict[str, User]:
    users: dict[str, User] = {}
    for person in USERS:
        user = User.objects.filter(email__iexact=person.email).first()
        if user is None:
            user = user_create(
                actor=None,
                email=person.email,
                full_name=person.full_name,
                password=DEMO_PASSWORD,
                organisation=person.organisation,
                language=person.language,
                is_staff=person.is_staff,
                time_zone="Asia/Shanghai" if person.language == "zh-hans" else "UTC",
            )
            report.users.append(person.email)
        users[person.email] = user
    return users


def _build_project(spec: DemoProject, users: dict[str, User]) -> Project:
    pm = users[PM.email]
    project = projects.project_create(actor=pm, **spec.fields)
    for email, role, can_approve in spec.members:
        projects.membership_add(
            actor=pm, project=project, user=users[email], role=role, can_approve=can_approve
        )
    for milestone in spec.milestones:
        projects.milestone_create(actor=pm, project=project, **milestone)
    for name, data in spec.progress:
        milestone = Milestone.objects.get(project=project, name=name)
        projects.milestone_update(actor=pm, milestone=milestone, data=data)
    project = projects.project_update(actor=pm, project=project, data=spec.edits)
    email, role, can_approve = spec.invitation
    projects.invitation_create(
        actor=pm, project=project, email=email, role=role, can_approve=can_approve
    )
    return project


@transaction.atomic
def demo_load(*, today: dt.date | None = None) -> DemoReport:
    """Create whatever part of the demo workspace is missing; return what was created."""
    report = DemoReport()
    users = _ensure_users(report)
    requirement_sets = _requirement_sets()
    today = today or timezone.localdate()
    for spec in _projects(today):
        key = spec.fields["key"]
        project = Project.objects.filter(key=key).first()
        if project is None:
            project = _build_project(spec, users)
            report.projects.append(key)
        # Only into the demo PM's own project, and only once.
        managed = Membership.objects.filter(
            project=project, user=users[PM.email], role=Role.MANAGER
        ).exists()
        if managed and not Requirement.objects.filter(project=project).exists():
            _build_requirements(project, requirement_sets[key], users)
            report.requirements.append(key)
        if managed and not Risk.objects.filter(project=project).exists():
            _build_risks(project, _risk_sets()[key], users)
            report.risks.append(key)
        if managed and not Problem.objects.filter(project=project).exists():
            _build_problems(project, _problem_sets()[key], users)
            report.problems.append(key)
        titles = _requirement_titles(requirement_sets[key])
        if managed and not Task.objects.filter(project=project).exists():
            build_delivery(project, delivery_sets()[key], users, titles, today=today)
            report.tasks.append(key)
        if managed and not ChangeRequest.objects.filter(project=project).exists():
            build_changes(project, change_sets()[key], users, titles)
            report.changes.append(key)
    return report


def _requirement_titles(spec: DemoRequirementSet) -> dict[str, str]:
    """Each demo requirement's ref and its title as it stands after the demo's edits."""
    return {
        item.ref: (item.edit or {}).get("data", {}).get("title", item.title)
        for item in spec.requirements
    }


def demo_summary() -> dict[str, int]:
    """Counts shown after loading, and used by tests."""
    keys = ["HZYB", "ACME"]
    return {
        "projects": Project.objects.filter(key__in=keys).count(),
        "memberships": Membership.objects.filter(project__key__in=keys).count(),
        "milestones": Milestone.objects.filter(project__key__in=keys).count(),
        "invitations": Invitation.objects.filter(project__key__in=keys).count(),
        "requirements": Requirement.objects.filter(project__key__in=keys).count(),
        "requirement_versions": RequirementVersion.objects.filter(
            requirement__project__key__in=keys
        ).count(),
        "baselines": Baseline.objects.filter(project__key__in=keys).count(),
        "risks": Risk.objects.filter(project__key__in=keys).count(),
        "risk_reviews": RiskReview.objects.filter(risk__project__key__in=keys).count(),
        "response_actions": ResponseAction.objects.filter(risk__project__key__in=keys).count(),
        "problems": Problem.objects.filter(project__key__in=keys).count(),
        "tasks": Task.objects.filter(project__key__in=keys).count(),
        "time_entries": TimeEntry.objects.filter(task__project__key__in=keys).count(),
        "change_requests": ChangeRequest.objects.filter(project__key__in=keys).count(),
    }
