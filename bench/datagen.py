"""Bulk data for the benchmark: users, projects, memberships, milestones and audit history.

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
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from accord.accounts.models import User
from accord.accounts.services import api_token_create
from accord.core.audit import GLOBAL_SCOPE, event_hash
from accord.core.choices import Visibility
from accord.core.models import AuditChainHead, AuditEvent, ProjectCounter
from accord.projects.choices import MilestoneStatus, ProjectStatus, Role
from accord.projects.models import Membership, Milestone, Project

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
) -> None:
    """Chained audit records: a quarter on the big project, 2% global, the rest spread."""
    total = sizes.audit_records
    if not total:
        return
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
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(scope=scope, length=length, last_hash=last_hash)
            for scope, (length, last_hash) in heads.items()
        ],
        batch_size=batch_size,
    )


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
        _audit(sizes, projects, users, members, milestones, rng, batch_size)
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
    }
    return Dataset(
        sizes=sizes,
        big_project_key=projects[0].key,
        user_email=users[0].email,
        user_password=BENCH_PASSWORD,
        api_token=plain,
        seconds=round(time.perf_counter() - started, 1),
        counts=counts,
    )
