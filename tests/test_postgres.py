"""Concurrent writers on a real database: per-project numbers and the audit chain hold.

Every thread opens its own database connection, as separate server processes would, and all of
them start writing at the same instant. On PostgreSQL the row locks (`SELECT … FOR UPDATE`,
`UPDATE` of the counter) must serialise them; on SQLite the IMMEDIATE transactions do. The
PostgreSQL tests run in the PostgreSQL pass of `make test` (`ACCORD_TEST_POSTGRES_URL`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, transaction

from accord.core.audit import audit_record, verify_audit_chains
from accord.core.exceptions import ApplicationError
from accord.core.models import AuditChainHead, AuditEvent
from accord.projects import services
from accord.projects.choices import Role
from accord.projects.models import Milestone
from accord.projects.tests.factories import MembershipFactory, ProjectFactory
from accord.requirements import services as requirements
from accord.requirements.choices import Decision, Status
from accord.requirements.models import ClientDecision
from accord.requirements.tests.factories import make_requirement

ENGINE = settings.DATABASES["default"]["ENGINE"]

postgres_only = pytest.mark.skipif(
    ENGINE != "django.db.backends.postgresql",
    reason="needs PostgreSQL: runs when DATABASE_URL points at one (make test with "
    "ACCORD_TEST_POSTGRES_URL, or .ci/run)",
)
sqlite_only = pytest.mark.skipif(
    ENGINE != "django.db.backends.sqlite3", reason="the SQLite variant of the PostgreSQL tests"
)

THREADS = 8


def run_concurrently(work: Callable[[int], None], threads: int = THREADS) -> None:
    """Run `work(i)` in `threads` threads that start together; re-raise the first failure."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # surfaced in the test's thread below
            errors.append(exc)
        finally:
            # Each thread has its own connection; close it so the test database can be flushed.
            connection.close()

    pool = [threading.Thread(target=target, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in pool), "a writer hung"
    if errors:
        raise errors[0]


def check_concurrent_milestones_get_distinct_numbers() -> None:
    membership = MembershipFactory(project=ProjectFactory(key="RACE"), role=Role.MANAGER)
    project, manager = membership.project, membership.user

    def create(index: int) -> None:
        services.milestone_create(
            actor=manager,
            project=project,
            name=f"Milestone from writer {index}",
            due_date=dt.date(2026, 9, 1),
        )

    run_concurrently(create)

    milestones = Milestone.objects.filter(project=project)
    assert sorted(m.number for m in milestones) == list(range(1, THREADS + 1))
    assert sorted(m.name for m in milestones) == sorted(
        f"Milestone from writer {i}" for i in range(THREADS)
    )
    events = AuditEvent.objects.filter(scope=f"project:{project.pk}", action="milestone.created")
    assert events.count() == THREADS
    assert list(verify_audit_chains()) == []


def check_concurrent_audit_appends_keep_the_chain() -> None:
    membership = MembershipFactory(project=ProjectFactory(key="CHAIN"), role=Role.MANAGER)
    project, actor = membership.project, membership.user
    appends = 5

    def append(index: int) -> None:
        for step in range(appends):
            # Both chains are contended: the project's, and the global one whose head row does
            # not exist yet, so the writers also race to create it.
            with transaction.atomic():
                audit_record(
                    actor=actor,
                    action="test.appended",
                    project=project,
                    after={"writer": index, "step": step},
                )
            with transaction.atomic():
                audit_record(actor=actor, action="test.global", after={"writer": index})

    run_concurrently(append)

    total = THREADS * appends
    chain = AuditEvent.objects.filter(scope=f"project:{project.pk}").order_by("sequence")
    assert list(chain.values_list("sequence", flat=True)) == list(range(1, total + 1))
    written = sorted((e.after["writer"], e.after["step"]) for e in chain)
    assert written == [(w, s) for w in range(THREADS) for s in range(appends)]
    assert AuditEvent.objects.filter(scope="global", action="test.global").count() == total
    heads = {h.scope: h.length for h in AuditChainHead.objects.all()}
    assert heads[f"project:{project.pk}"] == total
    assert heads["global"] == AuditEvent.objects.filter(scope="global").count()
    assert list(verify_audit_chains()) == []


def check_concurrent_confirmations_make_one() -> None:
    """Approvers confirming the same requirement at the same instant: one confirmation, the
    others refused with a clear message, the chain intact."""
    project = ProjectFactory(key="SIGN")
    MembershipFactory(project=project, role=Role.MANAGER)
    approvers = [
        MembershipFactory(project=project, role=Role.CLIENT, can_approve=True).user
        for _ in range(THREADS)
    ]
    requirement = make_requirement(project, status=Status.SUBMITTED)
    refusals: list[str] = []

    def confirm(index: int) -> None:
        try:
            requirements.requirement_confirm(actor=approvers[index], requirement=requirement)
        except ApplicationError as exc:
            refusals.append(exc.message)

    run_concurrently(confirm)

    confirmations = ClientDecision.objects.filter(
        requirement=requirement, decision=Decision.CONFIRMED
    )
    assert confirmations.count() == 1
    assert len(refusals) == THREADS - 1
    assert all("Confirmed" in message for message in refusals), refusals
    requirement.refresh_from_db()
    assert requirement.confirmed_version_id == confirmations.get().version_id
    assert AuditEvent.objects.filter(action="requirement.confirmed").count() == 1
    assert list(verify_audit_chains()) == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_confirmations_make_one() -> None:
    assert connection.vendor == "postgresql"
    check_concurrent_confirmations_make_one()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_concurrent_confirmations_make_one() -> None:
    check_concurrent_confirmations_make_one()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_milestones_get_distinct_numbers() -> None:
    assert connection.vendor == "postgresql"
    check_concurrent_milestones_get_distinct_numbers()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_audit_appends_keep_the_chain_verifiable() -> None:
    assert connection.vendor == "postgresql"
    check_concurrent_audit_appends_keep_the_chain()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_concurrent_milestones_get_distinct_numbers() -> None:
    check_concurrent_milestones_get_distinct_numbers()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_concurrent_audit_appends_keep_the_chain_verifiable() -> None:
    check_concurrent_audit_appends_keep_the_chain()


def check_concurrent_change_decisions_and_apply_once() -> None:
    """Change control under a crowd: approvers deciding at the same instant (each of them twice,
    as with a double click) leave one live decision per person and one outcome; managers and
    retries applying at the same instant apply the change exactly once."""
    from accord.changes import services as changes
    from accord.changes.choices import Status as ChangeStatus
    from accord.changes.models import ChangeApproval, ChangeRequest
    from accord.changes.tests.factories import make_change, modify_line
    from accord.requirements.models import Baseline, RequirementVersion

    people = THREADS // 2
    project = ProjectFactory(key="CHG")
    managers = [MembershipFactory(project=project, role=Role.MANAGER).user for _ in range(THREADS)]
    MembershipFactory(project=project, role=Role.MEMBER)
    approvers = [
        MembershipFactory(project=project, role=Role.CLIENT, can_approve=True).user
        for _ in range(people)
    ]
    changes.policy_update(
        actor=managers[0],
        project=project,
        data={"require_manager": False, "client_approvals": people},
    )
    requirement = make_requirement(project, status=Status.CONFIRMED, approver=approvers[0])
    change = make_change(
        project, status=ChangeStatus.AWAITING_APPROVAL, items=[modify_line(requirement)]
    )
    refusals: list[str] = []

    def decide(index: int) -> None:
        try:
            changes.change_decide(
                actor=approvers[index % people],
                change=change,
                decision="approved",
                expected_hash=change.content_hash,
            )
        except ApplicationError as exc:
            refusals.append(exc.message)

    run_concurrently(decide)

    live = ChangeApproval.objects.filter(change_request=change, voided_at__isnull=True)
    assert live.count() == people
    assert sorted(live.values_list("approver_id", flat=True)) == sorted(a.pk for a in approvers)
    assert len(refusals) == THREADS - people, refusals
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert AuditEvent.objects.filter(action="change.approved").count() == 1

    versions_before = RequirementVersion.objects.filter(requirement=requirement).count()
    applied: list[int] = []
    apply_refusals: list[str] = []

    def apply(index: int) -> None:
        copy = ChangeRequest.objects.get(pk=change.pk)  # each loads it as a page would
        try:
            changes.change_apply(actor=managers[index], change=copy)
            applied.append(index)
        except ApplicationError as exc:
            apply_refusals.append(exc.message)

    run_concurrently(apply)

    assert len(applied) == 1, (applied, apply_refusals)
    assert len(apply_refusals) == THREADS - 1
    assert all("approved change request" in m for m in apply_refusals), apply_refusals
    change.refresh_from_db()
    assert change.status == ChangeStatus.IMPLEMENTED
    assert RequirementVersion.objects.filter(requirement=requirement).count() == (
        versions_before + 1
    )
    assert ClientDecision.objects.filter(change_request=change).count() == 1
    assert Baseline.objects.filter(project=project).count() == 1
    assert AuditEvent.objects.filter(action="change.applied").count() == 1
    assert list(verify_audit_chains()) == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_concurrent_change_decisions_and_apply_once() -> None:
    assert connection.vendor == "postgresql"
    check_concurrent_change_decisions_and_apply_once()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_concurrent_change_decisions_and_apply_once() -> None:
    check_concurrent_change_decisions_and_apply_once()
