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
from accord.projects import services as projects
from accord.projects.choices import MilestoneStatus, ProjectStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project

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


@dataclass
class DemoReport:
    """What a run of the demo loader created (empty lists when everything existed)."""

    users: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.users or self.projects)


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
    for spec in _projects(today or timezone.localdate()):
        if Project.objects.filter(key=spec.fields["key"]).exists():
            continue
        _build_project(spec, users)
        report.projects.append(spec.fields["key"])
    return report


def demo_summary() -> dict[str, int]:
    """Counts shown after loading, and used by tests."""
    keys = ["HZYB", "ACME"]
    return {
        "projects": Project.objects.filter(key__in=keys).count(),
        "memberships": Membership.objects.filter(project__key__in=keys).count(),
        "milestones": Milestone.objects.filter(project__key__in=keys).count(),
        "invitations": Invitation.objects.filter(project__key__in=keys).count(),
    }
