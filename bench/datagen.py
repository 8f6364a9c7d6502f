"""Bulk data for the benchmark: users, projects, memberships, milestones, audit history, the
big project's requirements (with versions, criteria, tags, decisions, links, comments and a
baseline) and its risk register (risks with reviews and response actions).

Rows are written with `bulk_create` so 200,000 audit records take seconds, not hours. The audit
records are chained exactly as `audit_record()` chains them (hash of each record over its
content and its predecessor's hash, one chain per project plus the global one, a head row per
chain), so `accord verify` passes on the generated database and later writes through the
services continue the chains.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.accounts.services import api_token_create
from accord.changes.choices import ApproverSlot, ChangeType, ItemAction, Urgency
from accord.changes.choices import Decision as ApprovalDecision
from accord.changes.choices import Status as ChangeStatus
from accord.changes.hashing import change_content
from accord.changes.hashing import content_hash as change_content_hash
from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest, ScheduleImpact
from accord.core.audit import GLOBAL_SCOPE, event_hash
from accord.core.choices import Visibility
from accord.core.models import AuditChainHead, AuditEvent, ProjectCounter
from accord.core.signoffs import AUDIT_KEY, signoff_ref
from accord.delivery.choices import TaskPriority, TaskStatus, TaskType
from accord.delivery.models import Capacity, ChecklistItem, Task, TimeEntry, WipLimit
from accord.projects.choices import MilestoneStatus, ProjectStatus, Role
from accord.projects.models import Membership, Milestone, Project
from accord.requirements.choices import (
    AGREED_STATES,
    CLIENT_VISIBLE_STATES,
    CriterionStyle,
    Decision,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Status,
)
from accord.requirements.hashing import (
    CONTENT_FIELDS,
    baseline_hash,
    content_hash,
    requirement_content,
)
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    BaselineItem,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
    RequirementVersion,
    Tag,
)
from accord.risks.choices import ACTIVE_STATES, Category, RiskStatus, Strategy
from accord.risks.models import ResponseAction, Risk, RiskReview

BENCH_PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a generated database
BIG_PROJECT_KEY = "BIG"
PM_EMAIL = "pm@bench.example"

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱"]
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超"]
FIRST_NAMES = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack"]
LAST_NAMES = ["Smith", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Hughes"]
CLIENTS = ["华信银行", "东方物流", "ACME Corp", "Northwind Traders", "星海零售", "Contoso Ltd"]
PROJECT_NAMES = ["客户门户", "供应链平台", "Mobile banking app", "Data warehouse", "ERP rollout"]
MILESTONE_NAMES = ["需求确认", "原型评审", "Sprint review", "UAT sign-off", "上线", "Go-live"]
PROJECT_ACTIONS = ["project.updated", "membership.added", "membership.changed"]
MILESTONE_ACTIONS = ["milestone.created", "milestone.updated", "milestone.updated"]


@dataclass(frozen=True)
class Sizes:
    """How much data to generate."""

    projects: int = 200
    users: int = 5_000
    milestones: int = 2_000
    audit_records: int = 200_000
    # All in the big project: the requirements list is measured on one project this size.
    requirements: int = 20_000
    # The big project's risk register: the register and heat map are measured on it.
    risks: int = 5_000
    # The big project's tasks: the board, task list, workload and burn-up are measured on it.
    tasks: int = 50_000
    # The big project's change requests, in every state: the change log and impact pages.
    changes: int = 2_000

    def __post_init__(self) -> None:
        if self.projects < 1 or self.users < 1:
            raise ValueError("At least one project and one user are needed.")


@dataclass
class Dataset:
    """What the load driver needs to know about the generated data."""

    sizes: Sizes
    big_project_key: str
    user_email: str
    user_password: str
    api_token: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    # A requirement of the big project with three versions, confirmed, discussed and linked.
    requirement_number: int = 0
    requirement_versions: int = 0
    # A requirement of the big project with two versions of about 99 KB each.
    large_requirement_number: int = 0
    # A shared risk of the big project with several reviews and response actions.
    risk_number: int = 0
    # A task of the big project with linked requirements, a checklist and time entries, in the
    # milestone the burn-up scenario opens (which holds 2% of the tasks); its assignee's id.
    task_number: int = 0
    task_milestone_number: int = 0
    task_assignee_id: int | None = None
    # A change request of the big project awaiting approval: five redline lines on requirements
    # with tasks, schedule impacts, the PM's approval and a decision voided by an edit.
    change_number: int = 0

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("api_token")
        data.pop("user_password")
        return data


def _person(rng: random.Random, index: int) -> str:
    if index % 2:
        return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES) + rng.choice(GIVEN_NAMES)
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _users(sizes: Sizes, rng: random.Random, batch_size: int) -> list[User]:
    # One hash for everyone: hashing 5,000 passwords with the production hasher takes minutes.
    password = make_password(BENCH_PASSWORD)
    users = [
        User(
            email=PM_EMAIL,
            full_name="Bench PM",
            organisation="Accord",
            password=password,
            language="en",
        )
    ]
    users += [
        User(
            email=f"user{i:05d}@bench.example",
            full_name=_person(rng, i),
            organisation=rng.choice(CLIENTS),
            password=password,
            language=rng.choice(["en", "zh-hans"]),
        )
        for i in range(1, sizes.users)
    ]
    return User.objects.bulk_create(users, batch_size=batch_size)


def _projects(sizes: Sizes, rng: random.Random, batch_size: int) -> list[Project]:
    projects = []
    for i in range(sizes.projects):
        start = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(0, 200))
        projects.append(
            Project(
                key=BIG_PROJECT_KEY if i == 0 else f"B{i:04d}",
                name=f"{rng.choice(PROJECT_NAMES)} {i}",
                client_name=rng.choice(CLIENTS),
                description="Generated for the benchmark.\n\n- scope\n- **milestones**",
                start_date=start,
                end_date=start + dt.timedelta(days=rng.randrange(60, 400)),
                status=rng.choice(ProjectStatus.values),
                objectives="Deliver on time.",
                values="Openness.",
            )
        )
    return Project.objects.bulk_create(projects, batch_size=batch_size)


def _memberships(
    projects: list[Project], users: list[User], rng: random.Random, batch_size: int
) -> dict[int, list[int]]:
    """The benchmark PM manages the big project and is a member of every other one."""
    pm, others = users[0], users[1:]
    pairs: dict[tuple[int, int], Membership] = {}

    def add(project: Project, user: User, role: str, can_approve: bool = False) -> None:
        pairs.setdefault(
            (project.pk, user.pk),
            Membership(project=project, user=user, role=role, can_approve=can_approve),
        )

    for i, project in enumerate(projects):
        add(project, pm, Role.MANAGER if i == 0 else Role.MEMBER)
    roles = [Role.MANAGER, Role.MEMBER, Role.MEMBER, Role.MEMBER, Role.CLIENT, Role.VIEWER]
    for user in others:
        for project in rng.sample(projects, k=min(len(projects), rng.randint(1, 2))):
            role = rng.choice(roles)
            add(project, user, role, can_approve=role == Role.CLIENT and rng.random() < 0.3)
    # The big project also has a big team.
    for user in rng.sample(others, k=min(len(others), 60)):
        add(projects[0], user, rng.choice(roles))
    Membership.objects.bulk_create(pairs.values(), batch_size=batch_size)
    members: dict[int, list[int]] = defaultdict(list)
    for project_id, user_id in pairs:
        members[project_id].append(user_id)
    return members


def _milestones(
    sizes: Sizes, projects: list[Project], rng: random.Random, batch_size: int
) -> dict[int, list[Milestone]]:
    """A quarter of the milestones go to the big project, the rest round-robin."""
    big_share = min(sizes.milestones, max(1, sizes.milestones // 4)) if sizes.milestones else 0
    others = projects[1:] or projects
    owners = [projects[0]] * big_share + [
        others[i % len(others)] for i in range(sizes.milestones - big_share)
    ]
    numbers: dict[int, int] = defaultdict(int)
    milestones = []
    for project in owners:
        numbers[project.pk] += 1
        milestones.append(
            Milestone(
                project=project,
                number=numbers[project.pk],
                name=f"{rng.choice(MILESTONE_NAMES)} {numbers[project.pk]}",
                description="Exit criteria agreed with the client.",
                due_date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 540)),
                status=rng.choice(MilestoneStatus.values),
                visibility=Visibility.SHARED if rng.random() < 0.8 else Visibility.INTERNAL,
            )
        )
    Milestone.objects.bulk_create(milestones, batch_size=batch_size)
    # The counters continue where the generated numbers stop, so new milestones get fresh keys.
    ProjectCounter.objects.bulk_create(
        [
            ProjectCounter(project_id=pk, kind=Milestone.KEY_PREFIX, value=n)
            for pk, n in numbers.items()
        ],
        batch_size=batch_size,
    )
    by_project: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        by_project[milestone.project_id].append(milestone)
    return by_project


def _audit(
    sizes: Sizes,
    projects: list[Project],
    users: list[User],
    members: dict[int, list[int]],
    milestones: dict[int, list[Milestone]],
    rng: random.Random,
    batch_size: int,
) -> dict[str, tuple[int, str]]:
    """Chained audit records: a quarter on the big project, 2% global, the rest spread.
    Returns each chain's (length, last hash); later generators append to the chains and
    `_chain_heads` writes the head rows at the end."""
    total = sizes.audit_records
    if not total:
        return {}
    project_type = ContentType.objects.get_for_model(Project)
    milestone_type = ContentType.objects.get_for_model(Milestone)
    user_type = ContentType.objects.get_for_model(User)
    by_id = {p.pk: p for p in projects}
    emails = {u.pk: u.email for u in users}
    others = [p.pk for p in projects[1:]] or [projects[0].pk]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / total
    heads: dict[str, tuple[int, str]] = {}
    batch: list[AuditEvent] = []

    for i in range(total):
        draw = rng.random()
        if draw < 0.02:
            project_id = None
        elif draw < 0.27:
            project_id = projects[0].pk
        else:
            project_id = rng.choice(others)
        scope = f"project:{project_id}" if project_id else GLOBAL_SCOPE
        sequence, prev_hash = heads.get(scope, (0, ""))
        if project_id is None:
            target = rng.choice(users)
            actor_id, target_type, visibility = users[0].pk, user_type, Visibility.INTERNAL
            action, before, after = "user.created", {}, {"email": target.email}
        else:
            actor_id = rng.choice(members.get(project_id) or [users[0].pk])
            candidates = milestones.get(project_id)
            if candidates and rng.random() < 0.7:
                target = rng.choice(candidates)
                target_type, visibility = milestone_type, target.visibility
                action = rng.choice(MILESTONE_ACTIONS)
                before = {"status": MilestoneStatus.PLANNED}
                after = {"status": rng.choice(MilestoneStatus.values)}
            else:
                target = by_id[project_id]
                target_type, visibility = project_type, Visibility.INTERNAL
                action = rng.choice(PROJECT_ACTIONS)
                before, after = {"name": target.name}, {"name": f"{target.name} ({i})"}
        event = AuditEvent(
            scope=scope,
            sequence=sequence + 1,
            created_at=start + step * i,
            actor_id=actor_id,
            actor_label=emails[actor_id],
            action=action,
            project_id=project_id,
            target_type=target_type,
            target_id=str(target.pk),
            target_label=str(target)[:300],
            visibility=visibility,
            before=before,
            after=after,
            request_id=f"{rng.getrandbits(64):016x}",
            prev_hash=prev_hash,
        )
        event.hash = event_hash(event)
        heads[scope] = (event.sequence, event.hash)
        batch.append(event)
        if len(batch) >= batch_size:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
    return heads


def _chain_heads(heads: dict[str, tuple[int, str]], batch_size: int) -> None:
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(scope=scope, length=length, last_hash=last_hash)
            for scope, (length, last_hash) in heads.items()
        ],
        batch_size=batch_size,
    )


# Requirements --------------------------------------------------------------------------------

# Generated requirement statuses, weighted roughly like a project in its build phase.
REQUIREMENT_STATUSES = [
    (Status.DRAFT, 15),
    (Status.IN_REVIEW, 8),
    (Status.SUBMITTED, 10),
    (Status.RETURNED, 5),
    (Status.CONFIRMED, 30),
    (Status.IMPLEMENTED, 12),
    (Status.VERIFIED, 8),
    (Status.ACCEPTED, 6),
    (Status.REJECTED, 3),
    (Status.WITHDRAWN, 3),
]
REQ_VERBS = ["Export", "Search", "Approve", "Print", "Reconcile", "导出", "查询", "审核", "打印"]
REQ_OBJECTS = [
    "the shipment report", "invoices by month", "the settlement record", "customer accounts",
    "结算单", "费用明细", "对账报表", "异地就医备案信息", "月度结算报表",
]  # fmt: skip
REQ_TAGS = [
    "billing", "booking", "tracking", "security", "performance", "reporting", "结算", "对账",
    "异地就医", "省平台接口", "报表", "收费窗口", "pilot", "phase 2", "integration",
]  # fmt: skip
STAKEHOLDERS = ["Sarah Miller, Operations", "Priya Shah, Billing", "赵磊（客户项目负责人）"]
QUALITY = [q for q in QualityAttribute.values if q != QualityAttribute.OTHER]
# The requirement the detail and diff scenarios open: three versions, the last one confirmed.
SHOWCASE_TITLES = [
    "Export the monthly settlement report as CSV",
    "Export the monthly settlement report as CSV and Excel",
    "Export the monthly settlement report as Excel and PDF",
]


# The requirement the large-diff scenario opens: two versions of about 99 KB each, English and
# Chinese paragraphs, with edits scattered through them (a word diff of such a pair once took
# minutes; accord.core.textdiff bounds it).
LARGE_TITLE = "Settlement rules of the provincial platform, full text"
LARGE_SIZE = 99_000
LARGE_EDITS = 60
LARGE_MARKER = "Amended after the provincial audit of the settlement rules."
LARGE_WORDS = [
    "the", "settlement", "record", "is", "checked", "against", "provincial", "platform", "each",
    "month", "and", "any", "difference", "goes", "to", "finance", "team", "for", "review",
    "before", "report", "closes", "within", "two", "working", "days",
]  # fmt: skip
LARGE_HAN = "结算单每月与省平台对账差异提交财务复核报表在两个工作日内关闭异地就医备案信息费用明细"


def _large_texts() -> tuple[str, str]:
    """The two versions' descriptions: paragraphs of English and Chinese sentences, then
    `LARGE_EDITS` words or characters replaced, inserted or deleted here and there, and one
    marked sentence added. Their own random stream, so the rest of the data stays the same."""
    rng = random.Random("large requirement")
    paragraphs, size = [], 0
    while size < LARGE_SIZE:
        if len(paragraphs) % 2:
            sentences = [
                "".join(rng.choice(LARGE_HAN) for _ in range(rng.randint(10, 30))) + "。"
                for _ in range(rng.randint(3, 8))
            ]
            paragraph = "".join(sentences)
        else:
            sentences = [
                " ".join(rng.choice(LARGE_WORDS) for _ in range(rng.randint(8, 20))).capitalize()
                + "."
                for _ in range(rng.randint(3, 8))
            ]
            paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    old = "\n\n".join(paragraphs)[:LARGE_SIZE]
    # Half the edits on English words, half on Chinese characters.
    words = old.split(" ")
    for _ in range(LARGE_EDITS // 2):
        at = rng.randrange(len(words))
        while not words[at].isalpha() or not words[at].isascii():
            at = rng.randrange(len(words))
        kind = rng.randrange(3)
        if kind == 0:
            words[at] = rng.choice(LARGE_WORDS)
        elif kind == 1:
            words.insert(at, rng.choice(LARGE_WORDS))
        else:
            del words[at]
    chars = list(" ".join(words))
    for _ in range(LARGE_EDITS - LARGE_EDITS // 2):
        at = rng.randrange(len(chars))
        while chars[at] not in LARGE_HAN:
            at = rng.randrange(len(chars))
        kind = rng.randrange(3)
        if kind == 0:
            chars[at] = rng.choice(LARGE_HAN)
        elif kind == 1:
            chars.insert(at, rng.choice(LARGE_HAN))
        else:
            del chars[at]
    new = "".join(chars)
    middle = new.index("\n\n", len(new) // 2) + 2
    new = new[:middle] + LARGE_MARKER + "\n\n" + new[middle:]
    return old, new


@dataclass
class RequirementData:
    """What the scenarios need to know about the generated requirements."""

    showcase_number: int = 0
    showcase_versions: int = 0
    large_number: int = 0


def _criteria_for(rng: random.Random, title: str, count: int) -> list[AcceptanceCriterion]:
    items = []
    for position in range(1, count + 1):
        if rng.random() < 0.4:
            items.append(
                AcceptanceCriterion(
                    position=position,
                    style=CriterionStyle.GHERKIN,
                    given="a signed-in customer with 20 shipments",
                    when=f"they use “{title}”",
                    then=f"the result matches the source system ({position})",
                )
            )
        else:
            items.append(
                AcceptanceCriterion(
                    position=position,
                    style=CriterionStyle.FREE,
                    text=f"{title}: answers within 2 seconds for 95% of requests ({position}).",
                )
            )
    return items


def _version_contents(
    requirement: Requirement,
    criteria: list[AcceptanceCriterion],
    count: int,
    showcase: bool,
    earlier_description: str | None = None,
) -> list[dict[str, Any]]:
    """The content of each version, oldest first; the last one is the requirement as it is.
    Earlier versions had a shorter description (or `earlier_description`) and fewer criteria
    (or, for the showcase, an earlier title), so a diff between two versions shows real
    changes."""
    contents = []
    for number in range(1, count + 1):
        older = count - number
        state = SimpleNamespace(**{name: getattr(requirement, name) for name in CONTENT_FIELDS})
        if showcase:
            state.title = SHOWCASE_TITLES[number - 1]
        if older and earlier_description is not None:
            state.description = earlier_description
        elif older:
            state.description = requirement.description.rsplit(" ", 6 * older)[0]
        kept = criteria[: max(1, len(criteria) - older)]
        contents.append(requirement_content(state, kept))
    return contents


def _requirements(
    sizes: Sizes,
    project: Project,
    members: list[int],
    approver_id: int,
    rng: random.Random,
    batch_size: int,
) -> RequirementData:
    """Requirements of the big project with their versions, criteria, tags, client decisions,
    links, comments and one baseline.

    Bulk-inserted, bypassing the services (which would take an hour for 20,000 requirements
    with their audit records); but every version's hash is computed by
    `accord.requirements.hashing` over exactly the content the service would store, and every
    decision and the baseline carry the hashes of their versions, so `accord verify` passes.
    """
    total = sizes.requirements
    data = RequirementData()
    if not total:
        return data
    statuses = [s for s, _w in REQUIREMENT_STATUSES]
    weights = [w for _s, w in REQUIREMENT_STATUSES]
    epics = max(1, total // 100)
    middle = max(0, (total - epics) * 6 // 10)
    tiers = [epics, middle, total - epics - middle]
    requirements: list[Requirement] = []
    criteria: dict[int, list[AcceptanceCriterion]] = {}
    large_old, large_new = _large_texts() if total > 1 else ("", "")
    number = 0
    parents: list[Requirement] = []
    for tier, count in enumerate(tiers):
        batch = []
        for _i in range(count):
            number += 1
            showcase = tier >= 1 and not data.showcase_number
            status = Status.CONFIRMED if showcase else rng.choices(statuses, weights)[0]
            kind = (
                RequirementType.BUSINESS
                if tier == 0
                else rng.choice(
                    [RequirementType.FUNCTIONAL] * 6
                    + [RequirementType.NON_FUNCTIONAL] * 2
                    + [RequirementType.CONSTRAINT]
                )
            )
            title = (
                SHOWCASE_TITLES[-1]
                if showcase
                else f"{rng.choice(REQ_VERBS)} {rng.choice(REQ_OBJECTS)} {number}"
            )
            large = tier >= 1 and bool(data.showcase_number) and not data.large_number
            if large:
                title, data.large_number = LARGE_TITLE, number
            shared = status in CLIENT_VISIBLE_STATES
            requirement = Requirement(
                project=project,
                number=number,
                title=title,
                background="Asked for in the discovery workshops; today done by hand.",
                description=large_new
                if large
                else (
                    f"{title}. Users choose the period, filter by customer and status, and get "
                    "the result in the format their finance team already uses. The figures "
                    "match the source system to the cent, and every run is logged."
                ),
                type=kind,
                quality_attribute=(
                    rng.choice(QUALITY) if kind == RequirementType.NON_FUNCTIONAL else ""
                ),
                priority=Priority.MUST if showcase else rng.choice(Priority.values),
                business_value=rng.randint(1, 10) if rng.random() < 0.6 else None,
                effort_days=rng.randint(1, 40) / 2 if rng.random() < 0.6 else None,
                source=rng.choice(Source.values),
                source_stakeholder=rng.choice(STAKEHOLDERS),
                source_reference=f"Workshop notes #{rng.randint(1, 40)}",
                parent=rng.choice(parents) if parents else None,
                status=status,
                visibility=Visibility.SHARED if shared else Visibility.INTERNAL,
            )
            criteria[number] = _criteria_for(rng, title, 3 if showcase else rng.randint(1, 3))
            if showcase:
                data.showcase_number, data.showcase_versions = number, 3
            batch.append(requirement)
        Requirement.objects.bulk_create(batch, batch_size=batch_size)
        requirements += batch
        parents = batch or parents

    rows = []
    for requirement in requirements:
        for criterion in criteria[requirement.number]:
            criterion.requirement = requirement
            if requirement.status in (Status.VERIFIED, Status.ACCEPTED):
                criterion.verified = True
                criterion.verified_by_id = members[0]
                criterion.verified_at = timezone.now()
                criterion.verification_note = "Passed in the system test."
            rows.append(criterion)
    AcceptanceCriterion.objects.bulk_create(rows, batch_size=batch_size)

    # Versions: most requirements have one, some two or three.
    versions: list[RequirementVersion] = []
    owners: list[tuple[Requirement, int]] = []
    for requirement in requirements:
        showcase = requirement.number == data.showcase_number
        count = 3 if showcase else rng.choices([1, 2, 3], [80, 12, 8])[0]
        earlier = None
        if requirement.number == data.large_number:
            count, earlier = 2, large_old
        contents = _version_contents(
            requirement, criteria[requirement.number], count, showcase, earlier
        )
        for n, content in enumerate(contents, start=1):
            versions.append(
                RequirementVersion(
                    requirement=requirement,
                    number=n,
                    content=content,
                    content_hash=content_hash(content),
                    author_id=rng.choice(members),
                    note="" if n == 1 else "Clarified after the client's comments",
                    client_visible=requirement.visibility == Visibility.SHARED,
                )
            )
        owners.append((requirement, count))
    RequirementVersion.objects.bulk_create(versions, batch_size=batch_size)

    # Current and confirmed versions, and the client's decisions on them.
    decisions: list[ClientDecision] = []
    cursor = 0
    now = timezone.now()
    for requirement, count in owners:
        own = versions[cursor : cursor + count]
        cursor += count
        requirement.current_version = own[-1]
        if requirement.status in AGREED_STATES:
            changed = count > 1 and requirement.number != data.showcase_number
            changed = changed and rng.random() < 0.3
            confirmed = own[-2] if changed else own[-1]
            requirement.confirmed_version = confirmed
            requirement.changed_since_confirmation = changed
            decision = Decision.CONFIRMED
        elif requirement.status in (Status.RETURNED, Status.REJECTED):
            confirmed = own[-1]
            decision = (
                Decision.RETURNED if requirement.status == Status.RETURNED else Decision.REJECTED
            )
        else:
            continue
        decisions.append(
            ClientDecision(
                requirement=requirement,
                version=confirmed,
                content_hash=confirmed.content_hash,
                decision=decision,
                decided_by_id=approver_id,
                decided_at=now,
                comment="" if decision == Decision.CONFIRMED else "Please say which format.",
            )
        )
    Requirement.objects.bulk_update(
        requirements,
        ["current_version", "confirmed_version", "changed_since_confirmation"],
        batch_size=batch_size,
    )
    ClientDecision.objects.bulk_create(decisions, batch_size=batch_size)

    # Tags, links and a discussion on some requirements.
    tags = Tag.objects.bulk_create([Tag(project=project, name=name) for name in REQ_TAGS])
    through = Requirement.tags.through
    tag_rows = [
        through(requirement_id=requirement.pk, tag_id=tag.pk)
        for requirement in requirements
        for tag in rng.sample(tags, k=rng.choice([0, 1, 1, 2, 3]))
    ]
    through.objects.bulk_create(tag_rows, batch_size=batch_size)
    pairs = set()
    for _i in range(total // 10):
        source, target = rng.sample(requirements, 2) if total > 1 else (None, None)
        if source is not None:
            pairs.add((source.pk, target.pk, rng.choice(LinkKind.values)))
    showcase = requirements[data.showcase_number - 1] if data.showcase_number else None
    if showcase is not None:
        pairs.add((showcase.pk, requirements[0].pk, LinkKind.REFINES))
    RequirementLink.objects.bulk_create(
        [
            RequirementLink(
                project=project, source_id=s, target_id=t, kind=k, created_by_id=members[0]
            )
            for s, t, k in pairs
        ],
        batch_size=batch_size,
    )
    discussed = rng.sample(requirements, k=max(1, total // 20))
    if showcase is not None and showcase not in discussed:
        discussed.append(showcase)
    comments = []
    for requirement in discussed:
        for i in range(rng.randint(1, 3)):
            shared = requirement.visibility == Visibility.SHARED and i % 2 == 0
            comments.append(
                Comment(
                    project=project,
                    requirement=requirement,
                    author_id=rng.choice(members),
                    body="Does this cover **both** the month-end and the quarter-end runs?",
                    visibility=Visibility.SHARED if shared else Visibility.INTERNAL,
                )
            )
    Comment.objects.bulk_create(comments, batch_size=batch_size)

    # One baseline of the agreed scope, hashed as `baseline_create` hashes it.
    agreed = [
        r for r in requirements if r.confirmed_version is not None and r.status != Status.WITHDRAWN
    ]
    if agreed:
        baseline = Baseline.objects.create(
            project=project,
            number=1,
            name="Scope of the first release",
            created_by_id=members[0],
            content_hash=baseline_hash(
                (r.number, r.confirmed_version.number, r.confirmed_version.content_hash)
                for r in agreed
            ),
        )
        BaselineItem.objects.bulk_create(
            [
                BaselineItem(baseline=baseline, requirement=r, version=r.confirmed_version)
                for r in agreed
            ],
            batch_size=batch_size,
        )
    ProjectCounter.objects.bulk_create(
        [
            ProjectCounter(project=project, kind=Requirement.KEY_PREFIX, value=total),
            ProjectCounter(project=project, kind=Baseline.KEY_PREFIX, value=1 if agreed else 0),
        ]
    )
    return data


RISK_SHOWCASE_TITLE = "Payment gateway certification may slip past the pilot"
RISK_EVENTS = [
    ("Key developer leaves during", Category.RESOURCE),
    ("Vendor API changes before", Category.TECHNICAL),
    ("Client data arrives late for", Category.CLIENT),
    ("Scope grows without a change request in", Category.REQUIREMENTS),
    ("Budget overrun on", Category.BUDGET),
    ("Test environment unavailable for", Category.SCHEDULE),
    ("Personal data exposed in", Category.SECURITY),
    ("Regulation changes affect", Category.LEGAL),
    ("Competitor launches ahead of", Category.MARKET),
]
RISK_OBJECTS = ["结算模块", "the pilot", "数据迁移", "go-live", "the billing run", "接口联调"]
RISK_STATUSES = [
    (RiskStatus.OPEN, 60),
    (RiskStatus.MONITORING, 20),
    (RiskStatus.CLOSED, 15),
    (RiskStatus.OCCURRED, 5),
]


def _risks(
    sizes: Sizes, project: Project, members: list[int], rng: random.Random, batch_size: int
) -> int:
    """The big project's risk register, bulk-inserted: every cell of the heat map filled, each
    risk with its first review (some with a second that moved the score) and, for one in two,
    response actions (some overdue, some done). Returns the showcase risk's number (0: none)."""
    total = sizes.risks
    if not total:
        return 0
    now = timezone.now()
    today = timezone.localdate()
    statuses = [s for s, _w in RISK_STATUSES]
    weights = [w for _s, w in RISK_STATUSES]
    risks = []
    for number in range(1, total + 1):
        showcase = number == 1
        event, category = RISK_EVENTS[number % len(RISK_EVENTS)]
        if showcase:
            probability, impact = 4, 4
        elif number <= 26:  # every cell of the heat map holds at least one risk
            probability, impact = (number - 2) // 5 + 1, (number - 2) % 5 + 1
        else:
            probability, impact = rng.randint(1, 5), rng.randint(1, 5)
        title = RISK_SHOWCASE_TITLE if showcase else f"{event} {rng.choice(RISK_OBJECTS)} {number}"
        risks.append(
            Risk(
                project=project,
                number=number,
                title=title,
                category=Category.TECHNICAL if showcase else category,
                cause="The dependency is outside the team's control and has slipped before.",
                event=f"{title}.",
                consequence="The next milestone moves and the client escalates.",
                probability=probability,
                impact=impact,
                score=probability * impact,
                strategy=rng.choice(Strategy.values),
                trigger="The weekly status call reports a delay.",
                owner_id=rng.choice(members),
                status=RiskStatus.OPEN if number <= 26 else rng.choices(statuses, weights)[0],
                visibility=(
                    Visibility.SHARED if showcase or rng.random() < 0.3 else Visibility.INTERNAL
                ),
                reviewed_at=now,
            )
        )
    Risk.objects.bulk_create(risks, batch_size=batch_size)
    reviews, actions = [], []
    for risk in risks:
        earlier = now - dt.timedelta(days=rng.randint(20, 120))
        moves = 4 if risk.number == 1 else (1 if rng.random() < 0.4 else 0)
        for step in range(moves, -1, -1):
            probability = max(1, min(5, risk.probability - step + rng.randint(0, 1)))
            at = now - (now - earlier) * step / max(moves, 1)
            reviews.append(
                RiskReview(
                    risk=risk,
                    reviewed_by_id=risk.owner_id,
                    reviewed_at=at if step else now,
                    probability=risk.probability if not step else probability,
                    impact=risk.impact,
                    score=(risk.probability if not step else probability) * risk.impact,
                    status=risk.status if not step else RiskStatus.OPEN,
                    note="" if not step else "Reviewed in the weekly risk meeting.",
                )
            )
        count = 3 if risk.number == 1 else (rng.randint(1, 3) if rng.random() < 0.5 else 0)
        for index in range(count):
            due = today + dt.timedelta(days=rng.randint(-20, 40))
            done = risk.status not in ACTIVE_STATES or rng.random() < 0.3
            actions.append(
                ResponseAction(
                    risk=risk,
                    description=f"Response step {index + 1}: agree a fallback with the vendor",
                    owner_id=rng.choice(members),
                    due_date=due,
                    done_at=now if done else None,
                )
            )
    RiskReview.objects.bulk_create(reviews, batch_size=batch_size)
    ResponseAction.objects.bulk_create(actions, batch_size=batch_size)
    ProjectCounter.objects.bulk_create(
        [ProjectCounter(project=project, kind=Risk.KEY_PREFIX, value=total)]
    )
    return 1


# Tasks ---------------------------------------------------------------------------------------

TASK_SHOWCASE_TITLE = "Reconcile the monthly settlement report with the provincial platform"
TASK_STATUSES = [
    (TaskStatus.TODO, 30),
    (TaskStatus.IN_PROGRESS, 14),
    (TaskStatus.IN_REVIEW, 8),
    (TaskStatus.BLOCKED, 4),
    (TaskStatus.DONE, 44),
]
TASK_VERBS = ["Build", "Test", "Document", "Fix", "Review", "开发", "测试", "联调", "修复"]
TASK_OBJECTS = [
    "the settlement export", "the invoice list", "the booking form", "the tracking feed",
    "结算接口", "对账报表", "备案查询", "明细上传", "冲正交易",
]  # fmt: skip
BLOCKED_REASONS = [
    "Waiting for the provincial platform's test account",
    "等待客户提供测试数据",
    "The vendor's sandbox is down",
]
CHECKLIST_TEXTS = ["Write the unit tests", "Update the API description", "代码评审", "联调通过"]
# What the board's WIP limits are set to (the service's maximum is 999 per column).
BENCH_WIP_LIMITS = {TaskStatus.IN_PROGRESS: 999, TaskStatus.IN_REVIEW: 500, TaskStatus.BLOCKED: 200}
# The share of the tasks planned in the showcase milestone (the burn-up scenario opens it).
SHOWCASE_MILESTONE_SHARE = 0.02


@dataclass
class TaskData:
    """What the scenarios need to know about the generated tasks."""

    showcase_number: int = 0
    milestone_number: int = 0
    assignee_id: int | None = None


def _task_snapshot(task: Task, requirement_keys: list[str]) -> dict[str, Any]:
    """`after` of task.created as the delivery services write it (accord.core.audit.snapshot
    of the task's fields: foreign keys as ids, decimals and dates as text; links by key)."""
    after = {
        "title": task.title,
        "description": task.description,
        "type": task.type,
        "priority": task.priority,
        "assignee": task.assignee_id,
        "milestone": task.milestone_id,
        "estimate_hours": None if task.estimate_hours is None else str(task.estimate_hours),
        "start_date": task.start_date.isoformat() if task.start_date else None,
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "status": task.status,
        "blocked_reason": task.blocked_reason,
    }
    if requirement_keys:
        after["requirements"] = requirement_keys
    if task.response_action_id:
        after["response_action"] = task.response_action_id
    return after


def _tasks(
    sizes: Sizes,
    project: Project,
    milestones: list[Milestone],
    requirement_number: int,
    heads: dict[str, tuple[int, str]],
    rng: random.Random,
    batch_size: int,
) -> TaskData:
    """The big project's tasks, bulk-inserted: statuses over the whole board (blocked ones with
    a reason), milestones, assignees of the team, estimates, due dates, one to three linked
    requirements for most, checklists for some, time entries over the last eight weeks (at most
    eight hours a person a day), a few made from risk response actions, WIP limits and
    capacities. Each task's history is chained into the project's audit trail as the services
    write it (task.created, then task.moved for those that left "to do"), so the burn-up reads
    scope and done over time and `accord verify` passes."""
    total = sizes.tasks
    data = TaskData()
    if not total:
        return data
    team = list(
        Membership.objects.filter(project=project, role__in=[Role.MANAGER, Role.MEMBER])
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    emails = dict(User.objects.filter(pk__in=team).values_list("pk", "email"))
    pm_id = team[0]
    requirement_numbers = dict(
        Requirement.objects.filter(project=project)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED])
        .values_list("pk", "number")
    )
    requirement_ids = sorted(requirement_numbers)
    showcase_requirement = (
        Requirement.objects.filter(project=project, number=requirement_number)
        .values_list("pk", flat=True)
        .first()
    )
    actions = list(
        ResponseAction.objects.filter(risk__project=project, done_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "description", "owner_id", "due_date")[: max(1, total // 1000)]
    )
    showcase_milestone = min(milestones, key=lambda m: m.number) if milestones else None
    statuses = [s for s, _w in TASK_STATUSES]
    weights = [w for _s, w in TASK_STATUSES]
    now = timezone.now()
    today = timezone.localdate()
    ranks: dict[str, int] = defaultdict(int)
    tasks: list[Task] = []
    born: list[dt.datetime] = []
    for number in range(1, total + 1):
        showcase = number == 1
        status = TaskStatus.IN_PROGRESS if showcase else rng.choices(statuses, weights)[0]
        draw = rng.random()
        if showcase or draw < SHOWCASE_MILESTONE_SHARE:
            milestone = showcase_milestone
        elif draw < 0.9 and milestones:
            milestone = rng.choice(milestones)
        else:
            milestone = None
        start = today - dt.timedelta(days=rng.randint(-20, 120))
        # Created over the last four months (the burn-up's scope grows), done some time later.
        born.append(now - dt.timedelta(seconds=rng.randint(20 * 86400, 120 * 86400)))
        ranks[status] += 1
        action = actions.pop() if actions and not showcase and rng.random() < 0.1 else None
        tasks.append(
            Task(
                project=project,
                number=number,
                title=(
                    TASK_SHOWCASE_TITLE
                    if showcase
                    else (action[1][:300] if action else None)
                    or f"{rng.choice(TASK_VERBS)} {rng.choice(TASK_OBJECTS)} {number}"
                ),
                description="Done when the acceptance criteria pass in the test environment.",
                type=TaskType.FEATURE if showcase else rng.choice(TaskType.values),
                priority=TaskPriority.HIGH if showcase else rng.choice(TaskPriority.values),
                status=status,
                blocked_reason=rng.choice(BLOCKED_REASONS) if status == TaskStatus.BLOCKED else "",
                assignee_id=(
                    pm_id
                    if showcase
                    else (action[2] if action and action[2] in emails else None)
                    or (rng.choice(team) if rng.random() < 0.92 else None)
                ),
                milestone=milestone,
                estimate_hours=(
                    Decimal(rng.choice([1, 2, 4, 6, 8, 12, 16, 24, 40])).quantize(Decimal("0.01"))
                    if showcase or rng.random() < 0.85
                    else None
                ),
                start_date=start,
                due_date=(action[3] if action and action[3] else None)
                or start + dt.timedelta(days=rng.randint(1, 30)),
                rank=ranks[status],
                done_at=(
                    born[-1] + (now - born[-1]) * rng.random()
                    if status == TaskStatus.DONE
                    else None
                ),
                response_action_id=action[0] if action else None,
            )
        )
        if tasks[-1].due_date < start:
            tasks[-1].start_date = tasks[-1].due_date
    Task.objects.bulk_create(tasks, batch_size=batch_size)
    showcase_task = tasks[0]
    data.showcase_number = 1
    data.milestone_number = showcase_milestone.number if showcase_milestone else 0
    data.assignee_id = pm_id

    # Requirement links: one to three for most tasks; the showcase task covers the showcase
    # requirement (the change request scenarios find its work through it).
    through = Task.requirements.through
    links = set()
    if requirement_ids:
        for task in tasks:
            if task is showcase_task or rng.random() < 0.8:
                for requirement_id in rng.sample(
                    requirement_ids, k=min(len(requirement_ids), rng.randint(1, 3))
                ):
                    links.add((task.pk, requirement_id))
        if showcase_requirement:
            links.add((showcase_task.pk, showcase_requirement))
    through.objects.bulk_create(
        [through(task_id=t, requirement_id=r) for t, r in links], batch_size=batch_size
    )
    linked: dict[int, list[int]] = defaultdict(list)
    for task_id, requirement_id in links:
        linked[task_id].append(requirement_numbers[requirement_id])

    # Checklists for one task in ten (and the showcase).
    items = []
    for task in tasks:
        if task is showcase_task or rng.random() < 0.1:
            for position, text in enumerate(CHECKLIST_TEXTS, start=1):
                done = task.status == TaskStatus.DONE or (position <= 2 and task is showcase_task)
                items.append(
                    ChecklistItem(
                        task=task,
                        position=position,
                        text=text,
                        done=done,
                        done_by_id=task.assignee_id if done else None,
                        done_at=now if done else None,
                    )
                )
    ChecklistItem.objects.bulk_create(items, batch_size=batch_size)

    # Time entries over the last eight weeks: at most eight hours a person a day.
    booked: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    entries = []
    for task in tasks:
        if task.status == TaskStatus.TODO or task.assignee_id is None:
            continue
        if task is not showcase_task and rng.random() >= 0.15:
            continue
        for _i in range(5 if task is showcase_task else rng.randint(1, 2)):
            day = today - dt.timedelta(days=rng.randint(0, 55))
            hours = Decimal(rng.choice(["0.5", "1", "1.5", "2", "3", "4"]))
            if booked[(task.assignee_id, day)] + hours > 8:
                continue
            booked[(task.assignee_id, day)] += hours
            task.spent_hours += hours
            entries.append(
                TimeEntry(
                    task=task, user_id=task.assignee_id, date=day, hours=hours, note="Worked on it"
                )
            )
    TimeEntry.objects.bulk_create(entries, batch_size=batch_size)
    Task.objects.bulk_update(
        [t for t in tasks if t.spent_hours], ["spent_hours"], batch_size=batch_size
    )
    WipLimit.objects.bulk_create(
        [WipLimit(project=project, status=s, limit=n) for s, n in BENCH_WIP_LIMITS.items()]
    )
    Capacity.objects.bulk_create(
        [
            Capacity(user_id=user_id, hours_per_week=rng.choice([20, 32, 40]))
            for user_id in team
            if rng.random() < 0.5
        ],
        batch_size=batch_size,
    )
    ProjectCounter.objects.bulk_create(
        [ProjectCounter(project=project, kind=Task.KEY_PREFIX, value=total)]
    )

    # The history the burn-up reads: created over the last four months (scope growing), moved
    # off "to do" some days later (done growing), in time order within the project's chain.
    task_type = ContentType.objects.get_for_model(Task)
    scope = f"project:{project.pk}"
    history = []
    for task, created in zip(tasks, born, strict=True):
        actor = task.assignee_id or pm_id
        keys = sorted(f"{project.key}-R{n}" for n in linked.get(task.pk, ()))
        history.append((created, pm_id, task, "task.created", {}, _task_snapshot(task, keys)))
        if task.status != TaskStatus.TODO:
            history.append(
                (
                    task.done_at or created + (now - created) * rng.random(),
                    actor,
                    task,
                    "task.moved",
                    {"status": TaskStatus.TODO, "rank": 0},
                    {"status": task.status, "milestone": task.milestone_id, "rank": task.rank}
                    | ({"blocked_reason": task.blocked_reason} if task.blocked_reason else {}),
                )
            )
    history.sort(key=lambda row: row[0])
    sequence, prev_hash = heads.get(scope, (0, ""))
    batch: list[AuditEvent] = []
    for created, actor_id, task, action, before, after in history:
        sequence += 1
        event = AuditEvent(
            scope=scope,
            sequence=sequence,
            created_at=created,
            actor_id=actor_id,
            actor_label=emails[actor_id],
            action=action,
            project_id=project.pk,
            target_type=task_type,
            target_id=str(task.pk),
            target_label=str(task)[:300],
            visibility=Visibility.INTERNAL,
            before=before,
            after=after,
            request_id=f"{rng.getrandbits(64):016x}",
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = event_hash(event)
        batch.append(event)
        if len(batch) >= batch_size:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
    heads[scope] = (sequence, prev_hash)
    return data


# Change requests -----------------------------------------------------------------------------

CHANGE_SHOWCASE_TITLE = "Settlement report: add the Excel export and a reconciliation column"
CHANGE_STATUSES = [
    (ChangeStatus.DRAFT, 10),
    (ChangeStatus.SUBMITTED, 10),
    (ChangeStatus.UNDER_ASSESSMENT, 14),
    (ChangeStatus.AWAITING_APPROVAL, 14),
    (ChangeStatus.APPROVED, 7),
    (ChangeStatus.REJECTED, 8),
    (ChangeStatus.DEFERRED, 5),
    (ChangeStatus.IN_IMPLEMENTATION, 6),
    (ChangeStatus.IMPLEMENTED, 10),
    (ChangeStatus.CLOSED, 8),
    (ChangeStatus.WITHDRAWN, 8),
]
ASSESSED = {
    ChangeStatus.UNDER_ASSESSMENT, ChangeStatus.AWAITING_APPROVAL, ChangeStatus.APPROVED,
    ChangeStatus.REJECTED, ChangeStatus.DEFERRED, ChangeStatus.IN_IMPLEMENTATION,
    ChangeStatus.IMPLEMENTED, ChangeStatus.CLOSED,
}  # fmt: skip
APPROVED_STATES = {
    ChangeStatus.APPROVED, ChangeStatus.IN_IMPLEMENTATION, ChangeStatus.IMPLEMENTED,
    ChangeStatus.CLOSED,
}  # fmt: skip
APPLIED_STATES = {ChangeStatus.IMPLEMENTED, ChangeStatus.CLOSED}
CHANGE_SUBJECTS = [
    "Settlement export", "Tracking page", "Invoice download", "结算单打印", "对账规则",
    "异地备案查询", "Booking form", "月度报表",
]  # fmt: skip
CHANGE_REASONS = [
    "The pilot customers asked for it in the review.",
    "省医保局发布了补充通知，需要按新口径调整。",
    "Billing found the figures do not match the ledger at month end.",
]
VOID_REASON = "Voided: the request was edited after this decision (revision 1 → 2)."


def _changes(
    sizes: Sizes,
    project: Project,
    members: list[int],
    pm_id: int,
    approver_id: int,
    milestones: list[Milestone],
    requirement_number: int,
    rng: random.Random,
    batch_size: int,
) -> int:
    """The big project's change requests, bulk-inserted, in every state: redlines of two to five
    lines on existing requirements (change, withdraw, add), the team's assessment and schedule
    impacts once assessed, the decisions of the PM and the client approver (a voided one on
    some requests awaiting approval, a rejection with its reason), and, for applied requests,
    lines that produced the requirement's newest version. Each request's content hash and every
    decision's hash are computed by `accord.changes.hashing` over the stored content, so the
    integrity check passes. Returns the showcase request's number (0: none)."""
    total = sizes.changes
    if not total:
        return 0
    requirements = {
        r.pk: r
        for r in Requirement.objects.filter(project=project)
        .exclude(status__in=[Status.WITHDRAWN, Status.REJECTED])
        .select_related("current_version")
        .only("pk", "number", "status", "visibility", "current_version")
    }
    if not requirements:
        return 0
    # Requirements whose newest version an applied request can have produced (once each).
    reworked = list(
        RequirementVersion.objects.filter(requirement_id__in=requirements, number__gte=2)
        .filter(requirement__current_version_id=models.F("pk"))
        .values_list("requirement_id", flat=True)
    )
    rng.shuffle(reworked)
    previous = {}
    for version in RequirementVersion.objects.filter(
        requirement_id__in=reworked,
        number=models.F("requirement__current_version__number") - 1,
    ):
        previous[version.requirement_id] = version
    reworked = [pk for pk in reworked if pk in previous]
    pool = [pk for pk in requirements if pk not in set(reworked)]
    showcase_requirement = next(
        (r.pk for r in requirements.values() if r.number == requirement_number), None
    )
    clients = list(
        Membership.objects.filter(project=project, role=Role.CLIENT)
        .order_by("pk")
        .values_list("user_id", flat=True)
    ) or [approver_id]
    team = members or [pm_id]
    statuses = [s for s, _w in CHANGE_STATUSES]
    weights = [w for _s, w in CHANGE_STATUSES]
    now = timezone.now()
    today = timezone.localdate()
    changes_: list[ChangeRequest] = []
    plans: list[tuple[ChangeRequest, list[ChangeItem], list[ScheduleImpact]]] = []
    for number in range(1, total + 1):
        showcase = number == 1
        status = ChangeStatus.AWAITING_APPROVAL if showcase else rng.choices(statuses, weights)[0]
        applied = status in APPLIED_STATES
        if applied and not reworked:  # no version left that a request could have produced
            status, applied = ChangeStatus.APPROVED, False
        by_client = not showcase and rng.random() < 0.3
        raised = now - dt.timedelta(days=rng.randint(5, 200))
        submitted = raised + dt.timedelta(days=rng.randint(0, 3))
        assessed = status in ASSESSED
        decided = (
            submitted + dt.timedelta(days=rng.randint(2, 20))
            if status in APPROVED_STATES or status == ChangeStatus.REJECTED
            else None
        )
        subject = rng.choice(CHANGE_SUBJECTS)
        change = ChangeRequest(
            project=project,
            number=number,
            title=CHANGE_SHOWCASE_TITLE if showcase else f"{subject}: change {number}",
            type=ChangeType.MODIFY_SCOPE if showcase else rng.choice(ChangeType.values),
            urgency=Urgency.HIGH if showcase else rng.choice(Urgency.values),
            reason=rng.choice(CHANGE_REASONS),
            background="Raised in the weekly status meeting; see the minutes.",
            requested_by_id=rng.choice(clients) if by_client else rng.choice(team),
            source_reference=f"Status meeting, week {rng.randint(1, 40)}",
            status=status,
            visibility=(
                Visibility.INTERNAL
                if status == ChangeStatus.DRAFT and not by_client
                else Visibility.SHARED
            ),
            effort_days=Decimal(rng.randint(1, 80)) / 2 if assessed else None,
            cost=Decimal(rng.randint(5, 400) * 500) if assessed else None,
            cost_currency="CNY" if assessed else "",
            assessment="Two screens and the export change; the pilot date holds."
            if assessed
            else "",
            submitted_at=None if status == ChangeStatus.DRAFT else submitted,
            approval_requested_at=(
                submitted + dt.timedelta(days=1)
                if status == ChangeStatus.AWAITING_APPROVAL or decided
                else None
            ),
            approval_due=(
                today + dt.timedelta(days=rng.randint(-5, 5))
                if status == ChangeStatus.AWAITING_APPROVAL
                else None
            ),
            decided_at=decided,
            implemented_at=decided + dt.timedelta(days=3) if applied else None,
            implemented_by_id=pm_id if applied else None,
            closed_at=(
                decided + dt.timedelta(days=5)
                if status == ChangeStatus.CLOSED and decided
                else None
            ),
        )
        items: list[ChangeItem] = []
        count = 5 if showcase else rng.randint(2, 5)
        if applied:
            for position in range(1, min(count, len(reworked)) + 1):
                pk = reworked.pop()
                requirement = requirements[pk]
                base = previous[pk]
                newest = requirement.current_version
                items.append(
                    ChangeItem(
                        position=position,
                        action=ItemAction.MODIFY,
                        requirement_id=pk,
                        base_version=base,
                        proposed=newest.content,
                        note="As agreed in the review.",
                        result_requirement_id=pk,
                        result_version=newest,
                    )
                )
        else:
            chosen = rng.sample(pool, k=min(len(pool), count))
            if showcase and showcase_requirement and showcase_requirement not in chosen:
                chosen[0] = showcase_requirement
            for position, pk in enumerate(chosen, start=1):
                requirement = requirements[pk]
                base = requirement.current_version
                draw = 0.0 if showcase else rng.random()
                if by_client and requirement.visibility != Visibility.SHARED:
                    draw = 0.95  # a client proposes new requirements, not changes to unshared ones
                if draw < 0.75:
                    proposed = dict(base.content)
                    proposed["description"] = (
                        f"{proposed['description']} The export also offers Excel, and each row "
                        "shows whether it reconciles with the ledger."
                    )
                    items.append(
                        ChangeItem(
                            position=position,
                            action=ItemAction.MODIFY,
                            requirement_id=pk,
                            base_version=base,
                            proposed=proposed,
                            note="Wording agreed in the review.",
                        )
                    )
                elif draw < 0.9:
                    items.append(
                        ChangeItem(
                            position=position,
                            action=ItemAction.WITHDRAW,
                            requirement_id=pk,
                            base_version=base,
                            proposed={},
                            note="No longer needed after the pilot.",
                        )
                    )
                else:
                    title = f"{subject}: new requirement of change {number}"
                    items.append(
                        ChangeItem(
                            position=position,
                            action=ItemAction.ADD,
                            proposed={
                                "title": title,
                                "background": "",
                                "description": f"{title}, as the pilot customers asked.",
                                "type": RequirementType.FUNCTIONAL,
                                "quality_attribute": "",
                                "priority": Priority.SHOULD,
                                "source": Source.CHANGE_REQUEST,
                                "source_stakeholder": "",
                                "source_reference": f"{project.key}-CR{number}",
                                "acceptance_criteria": [
                                    {"style": CriterionStyle.FREE, "text": f"{title} works."}
                                ],
                            },
                            note="",
                        )
                    )
        schedule = []
        if assessed and milestones:
            for milestone in rng.sample(milestones, k=min(len(milestones), rng.randint(1, 2))):
                schedule.append(
                    ScheduleImpact(
                        milestone=milestone, shift_days=rng.randint(-3, 21), note="Re-planned"
                    )
                )
        changes_.append(change)
        plans.append((change, items, schedule))
    ChangeRequest.objects.bulk_create(changes_, batch_size=batch_size)
    rows, impacts = [], []
    for change, items, schedule in plans:
        for item in items:
            item.change_request = change
            rows.append(item)
        for impact in schedule:
            impact.change_request = change
            impacts.append(impact)
    ChangeItem.objects.bulk_create(rows, batch_size=batch_size)
    ScheduleImpact.objects.bulk_create(impacts, batch_size=batch_size)

    # Content hashes over what is stored, exactly as the services compute them.
    first_hashes: dict[int, str] = {}
    for change in changes_:
        content = change_content(change)
        change.content_hash = change_content_hash(content)
        if change.status == ChangeStatus.AWAITING_APPROVAL and (
            change.number == 1 or rng.random() < 0.3
        ):
            # Edited after a first decision, which the edit voided: the first revision had a
            # shorter background, and the voided decision keeps that revision's hash.
            change.revision = 2
            first_hashes[change.pk] = change_content_hash({**content, "background": "Raised."})
    ChangeRequest.objects.bulk_update(changes_, ["content_hash", "revision"], batch_size=batch_size)

    approvals = []

    def decide(change, who, slot, decision, at, comment="", voided=False):
        if slot == ApproverSlot.CLIENT and who == pm_id:
            return  # no client approver in a tiny dataset: the PM's decision stands alone
        approvals.append(
            ChangeApproval(
                change_request=change,
                approver_id=who,
                slot=slot,
                decision=decision,
                comment=comment,
                content_hash=first_hashes[change.pk] if voided else change.content_hash,
                revision=1 if voided else change.revision,
                decided_at=at,
                voided_at=at + dt.timedelta(days=1) if voided else None,
                void_reason=VOID_REASON if voided else "",
            )
        )

    for change in changes_:
        at = change.decided_at or now - dt.timedelta(days=1)
        if change.pk in first_hashes:
            decide(change, pm_id, ApproverSlot.MANAGER, ApprovalDecision.APPROVED, at, voided=True)
        if change.status == ChangeStatus.AWAITING_APPROVAL and (
            change.number == 1 or rng.random() < 0.5
        ):
            decide(change, pm_id, ApproverSlot.MANAGER, ApprovalDecision.APPROVED, at)
        elif change.status in APPROVED_STATES:
            decide(change, pm_id, ApproverSlot.MANAGER, ApprovalDecision.APPROVED, at)
            decide(change, approver_id, ApproverSlot.CLIENT, ApprovalDecision.APPROVED, at)
        elif change.status == ChangeStatus.REJECTED:
            if approver_id == pm_id:
                decide(
                    change,
                    pm_id,
                    ApproverSlot.MANAGER,
                    ApprovalDecision.REJECTED,
                    at,
                    comment="Not in this phase: the budget is fixed until go-live.",
                )
                continue
            decide(change, pm_id, ApproverSlot.MANAGER, ApprovalDecision.APPROVED, at)
            decide(
                change,
                approver_id,
                ApproverSlot.CLIENT,
                ApprovalDecision.REJECTED,
                at,
                comment="Not in this phase: the budget is fixed until go-live.",
            )
    ChangeApproval.objects.bulk_create(approvals, batch_size=batch_size)
    ProjectCounter.objects.bulk_create(
        [ProjectCounter(project=project, kind=ChangeRequest.KEY_PREFIX, value=total)]
    )
    return 1


def _sign_offs(
    project: Project, heads: dict[str, tuple[int, str]], rng: random.Random, batch_size: int
) -> None:
    """Seal the generated client decisions and change approvals and append the audit record of
    each to the project's chain, in time order, as the services write them
    (accord.core.signoffs), so `accord verify`'s sign-off check passes."""
    decisions = list(
        ClientDecision.objects.filter(requirement__project=project)
        .select_related("requirement__project", "version")
        .order_by("pk")
    )
    approvals = list(
        ChangeApproval.objects.filter(change_request__project=project)
        .select_related("change_request__project")
        .order_by("pk")
    )
    for row in [*decisions, *approvals]:
        row.signature = row.compute_signature()
    ClientDecision.objects.bulk_update(decisions, ["signature"], batch_size=batch_size)
    ChangeApproval.objects.bulk_update(approvals, ["signature"], batch_size=batch_size)
    emails = dict(User.objects.values_list("pk", "email"))
    history = []
    for decision in decisions:
        after = {
            "decision_id": decision.pk,
            "version_number": decision.version.number,
            "content_hash": decision.content_hash,
            AUDIT_KEY: signoff_ref(decision),
        } | ({"comment": decision.comment} if decision.comment else {})
        history.append(
            (
                decision,
                decision.decided_by_id,
                decision.requirement,
                f"requirement.{decision.decision}",
                after,
            )
        )
    for approval in approvals:
        after = {
            "decision": approval.decision,
            "slot": approval.slot,
            "content_hash": approval.content_hash,
            "revision": approval.revision,
            AUDIT_KEY: signoff_ref(approval),
        } | ({"comment": approval.comment} if approval.comment else {})
        action = f"change.{approval.decision}_by"
        history.append((approval, approval.approver_id, approval.change_request, action, after))
    history.sort(key=lambda row: (row[0].decided_at, row[3]))
    scope = f"project:{project.pk}"
    sequence, prev_hash = heads.get(scope, (0, ""))
    types: dict[type, ContentType] = {}
    batch: list[AuditEvent] = []
    for row, actor_id, target, action, after in history:
        sequence += 1
        target_type = types.setdefault(type(target), ContentType.objects.get_for_model(target))
        event = AuditEvent(
            scope=scope,
            sequence=sequence,
            created_at=row.decided_at,
            actor_id=actor_id,
            actor_label=emails.get(actor_id, "system"),
            action=action,
            project_id=project.pk,
            target_type=target_type,
            target_id=str(target.pk),
            target_label=str(target)[:300],
            visibility=target.visibility,
            before={},
            after=after,
            request_id=f"{rng.getrandbits(64):016x}",
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = event_hash(event)
        batch.append(event)
        if len(batch) >= batch_size:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    if batch:
        AuditEvent.objects.bulk_create(batch)
    heads[scope] = (sequence, prev_hash)


def generate(sizes: Sizes, *, seed: int = 2026, batch_size: int = 2_000) -> Dataset:
    """Fill the current database (expected empty of Accord data) and describe what was made."""
    if AuditEvent.objects.exists() or Project.objects.exists():
        raise RuntimeError("The benchmark generates into an empty database only.")
    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        users = _users(sizes, rng, batch_size)
        projects = _projects(sizes, rng, batch_size)
        members = _memberships(projects, users, rng, batch_size)
        milestones = _milestones(sizes, projects, rng, batch_size)
        heads = _audit(sizes, projects, users, members, milestones, rng, batch_size)
        big = projects[0]
        approver = (
            Membership.objects.filter(project=big, role=Role.CLIENT, can_approve=True)
            .values_list("user_id", flat=True)
            .first()
        )
        requirement_data = _requirements(
            sizes, big, members[big.pk], approver or users[0].pk, rng, batch_size
        )
        risk_number = _risks(sizes, big, members[big.pk], rng, batch_size)
        task_data = _tasks(
            sizes,
            big,
            milestones.get(big.pk, []),
            requirement_data.showcase_number,
            heads,
            rng,
            batch_size,
        )
        change_number = _changes(
            sizes,
            big,
            members[big.pk],
            users[0].pk,
            approver or users[0].pk,
            milestones.get(big.pk, []),
            requirement_data.showcase_number,
            rng,
            batch_size,
        )
        _sign_offs(big, heads, rng, batch_size)
        _chain_heads(heads, batch_size)
    # Through the service, so the token is made (and audited) exactly as a user would make it.
    _token, plain = api_token_create(user=users[0], name="bench")
    counts = {
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "memberships": Membership.objects.count(),
        "milestones": Milestone.objects.count(),
        "audit_records": AuditEvent.objects.count(),
        "big_project_milestones": Milestone.objects.filter(project=projects[0]).count(),
        "big_project_members": Membership.objects.filter(project=projects[0]).count(),
        "big_project_audit_records": AuditEvent.objects.filter(project=projects[0]).count(),
        "requirements": Requirement.objects.count(),
        "requirement_versions": RequirementVersion.objects.count(),
        "acceptance_criteria": AcceptanceCriterion.objects.count(),
        "client_decisions": ClientDecision.objects.count(),
        "risks": Risk.objects.count(),
        "risk_reviews": RiskReview.objects.count(),
        "response_actions": ResponseAction.objects.count(),
        "tasks": Task.objects.count(),
        "task_requirement_links": Task.requirements.through.objects.count(),
        "checklist_items": ChecklistItem.objects.count(),
        "time_entries": TimeEntry.objects.count(),
        "change_requests": ChangeRequest.objects.count(),
        "change_items": ChangeItem.objects.count(),
        "change_approvals": ChangeApproval.objects.count(),
    }
    return Dataset(
        sizes=sizes,
        big_project_key=projects[0].key,
        user_email=users[0].email,
        user_password=BENCH_PASSWORD,
        api_token=plain,
        seconds=round(time.perf_counter() - started, 1),
        counts=counts,
        requirement_number=requirement_data.showcase_number,
        requirement_versions=requirement_data.showcase_versions,
        large_requirement_number=requirement_data.large_number,
        risk_number=risk_number,
        task_number=task_data.showcase_number,
        task_milestone_number=task_data.milestone_number,
        task_assignee_id=task_data.assignee_id,
        change_number=change_number,
    )
