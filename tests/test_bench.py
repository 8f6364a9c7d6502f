"""The benchmark's data generator and scenarios, on a tiny dataset (not the load run)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import ApiToken
from accord.changes.models import ChangeApproval
from accord.core.audit import verify_audit_chains
from accord.core.integrity import run_checks
from accord.core.models import AuditChainHead, AuditEvent, ProjectCounter
from accord.core.testing import make_personas
from accord.delivery.models import ChecklistItem, Task, TimeEntry, WipLimit
from accord.projects import services
from accord.projects.models import Membership, Milestone, Project
from accord.requirements import services as requirement_services
from accord.requirements.choices import AGREED_STATES, Status
from accord.requirements.hashing import content_hash, requirement_content
from accord.requirements.models import ClientDecision, Requirement
from accord.requirements.tests.factories import make_requirement
from bench.datagen import BIG_PROJECT_KEY, Sizes, generate
from bench.probe import probe, sign_in
from bench.report import Report, Row
from bench.scenarios import SCENARIOS

TINY = Sizes(
    projects=4,
    users=15,
    milestones=12,
    audit_records=300,
    requirements=60,
    risks=80,
    tasks=120,
    changes=30,
)


@pytest.fixture
def dataset(db):
    return generate(TINY, batch_size=50)


def test_it_generates_the_requested_sizes(dataset) -> None:
    assert Project.objects.count() == 4
    assert Milestone.objects.count() == 12
    assert Milestone.objects.filter(project__key=BIG_PROJECT_KEY).count() == 3
    # 300 generated records, the tasks' history (created, and moved when no longer "to do"),
    # the sign-offs' records, plus the creation of the benchmark's API token.
    task_history = TINY.tasks + Task.objects.exclude(status="todo").count()
    sign_offs = ClientDecision.objects.count() + ChangeApproval.objects.count()
    assert AuditEvent.objects.count() == 301 + task_history + sign_offs
    assert dataset.counts["audit_records"] == 301 + task_history + sign_offs
    pm_memberships = Membership.objects.filter(user__email=dataset.user_email)
    assert pm_memberships.count() == 4
    assert pm_memberships.get(project__key=BIG_PROJECT_KEY).role == "manager"
    assert ApiToken.objects.filter(user__email=dataset.user_email).count() == 1


def test_generated_audit_records_form_verifiable_chains(dataset) -> None:
    assert list(verify_audit_chains()) == []
    heads = {h.scope: h for h in AuditChainHead.objects.all()}
    for scope, head in heads.items():
        assert AuditEvent.objects.filter(scope=scope).count() == head.length


def test_services_continue_the_generated_numbers_and_chains(dataset) -> None:
    project = Project.objects.get(key=BIG_PROJECT_KEY)
    manager = Membership.objects.get(project=project, user__email=dataset.user_email).user
    counter = ProjectCounter.objects.get(project=project, kind="M")
    assert counter.value == 3
    milestone = services.milestone_create(
        actor=manager, project=project, name="After the benchmark", due_date="2026-12-01"
    )
    assert milestone.number == 4
    assert list(verify_audit_chains()) == []


def test_every_scenario_answers_with_its_content(dataset) -> None:
    credentials = sign_in(dataset)
    rows = []
    for scenario in SCENARIOS:
        result = probe(scenario, dataset, credentials)
        assert result.problem == "", f"{scenario.name}: {result.problem}"
        assert result.queries is not None
        rows.append(Row(scenario, path=result.path, queries=result.queries))
    report = Report(
        started="now",
        environment={
            "cpus": 2,
            "cpu_model": "test",
            "python": "3",
            "database": "test",
            "workers": 2,
            "server_threads": 4,
            "connections": 8,
            "duration": 1,
            "warmup": 0,
        },
        dataset=dataset.summary(),
        rows=rows,
    )
    # Nothing was put under load, so nothing can pass the budget.
    assert "| login page |" in report.markdown()
    assert not report.passed


def test_it_refuses_a_database_that_already_holds_data(dataset) -> None:
    with pytest.raises(RuntimeError):
        generate(TINY)


# Requirements ---------------------------------------------------------------------------------


def test_it_generates_the_big_projects_requirements_with_real_hashes(dataset) -> None:
    big = Project.objects.get(key=BIG_PROJECT_KEY)
    requirements = Requirement.objects.filter(project=big)
    assert requirements.count() == TINY.requirements == dataset.counts["requirements"]
    assert not Requirement.objects.exclude(project=big).exists()
    assert not requirements.filter(current_version__isnull=True).exists()
    assert len(set(requirements.values_list("status", flat=True))) >= 6
    # Agreed requirements carry their confirmed version; some changed since.
    agreed = requirements.filter(status__in=AGREED_STATES)
    assert agreed.exists()
    assert not agreed.filter(confirmed_version__isnull=True).exists()
    assert not requirements.exclude(status__in=AGREED_STATES).filter(
        confirmed_version__isnull=False
    )
    for requirement in requirements.filter(changed_since_confirmation=True):
        assert requirement.current_version.content_hash != (
            requirement.confirmed_version.content_hash
        )
    # The requirement the scenarios open: three versions, the newest confirmed.
    showcase = requirements.get(number=dataset.requirement_number)
    assert showcase.versions.count() == dataset.requirement_versions == 3
    assert showcase.confirmed_version == showcase.current_version
    assert showcase.comments.exists()
    assert showcase.criteria.count() == 3
    # The large-diff scenario's requirement: two versions of 99,000 characters that differ.
    large = requirements.get(number=dataset.large_requirement_number)
    first, second = large.versions.order_by("number")
    assert second == large.current_version and large.description == second.content["description"]
    assert len(first.content["description"]) == 99_000
    assert 98_000 < len(second.content["description"]) < 100_000
    assert first.content_hash != second.content_hash
    # Each row's fields are its current version's content, hashed as the services hash.
    for requirement in requirements.prefetch_related("criteria")[:20]:
        content = requirement_content(requirement, requirement.criteria.order_by("position"))
        assert content == requirement.current_version.content
        assert content_hash(content) == requirement.current_version.content_hash
    results = {r.name: r for r in run_checks()}
    assert results["requirements"].ok, results["requirements"].problems
    assert "1 baseline(s)" in results["requirements"].summary


def test_the_services_continue_the_generated_requirements(dataset) -> None:
    project = Project.objects.get(key=BIG_PROJECT_KEY)
    manager = Membership.objects.get(project=project, user__email=dataset.user_email).user

    made = requirement_services.requirement_create(
        actor=manager, project=project, title="After the benchmark"
    )
    baseline = requirement_services.baseline_create(actor=manager, project=project, name="Next")

    assert made.number == TINY.requirements + 1
    assert baseline.number == 2
    assert all(result.ok for result in run_checks())


def _page_queries(client: Client, path: str, expect: str) -> int:
    client.get(path)  # warms per-process caches, as the benchmark's probe does
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert expect in response.content.decode()
    return len(queries.captured_queries)


def test_requirement_pages_run_the_same_queries_with_10_and_40_requirements_and_versions(
    db,
) -> None:
    """The list, the detail and the diff: the number of SQL queries does not grow with the
    requirements listed, nor with the versions, confirmations and comments shown."""
    world = make_personas()
    project = world.project
    showcase = make_requirement(
        project, status=Status.CONFIRMED, tags=["billing"], title="Export the ledger"
    )

    def grow(requirements: int, cycles: int) -> None:
        for i in range(requirements):
            make_requirement(
                project,
                status=Status.CONFIRMED,
                priority="must",
                tags=["billing", f"t{i % 3}"],
                title=f"Listed requirement {i}",
            )
        for _i in range(cycles):
            current = Requirement.objects.get(pk=showcase.pk)
            number = current.current_version.number
            requirement_services.requirement_update(
                actor=world.alice,
                requirement=current,
                data={"description": f"{current.description} Step {number}."},
            )
            requirement_services.requirements_submit(
                actor=world.alice, project=project, requirements=[current]
            )
            requirement_services.requirement_confirm(actor=world.dave, requirement=current)
            requirement_services.comment_create(
                actor=world.carol,
                requirement=current,
                body=f"Read version {number + 1}.",
                visibility="shared",
            )

    def measure() -> dict[tuple[str, str], int]:
        newest = Requirement.objects.get(pk=showcase.pk).current_version.number
        pages = {
            "list": (
                reverse("requirements:list", args=[project.key])
                + "?status=confirmed&priority=must&sort=-updated",
                "Listed requirement",
            ),
            "detail": (showcase.get_absolute_url(), "Export the ledger"),
            "diff": (
                reverse("requirements:diff", args=[project.key, showcase.number])
                + f"?from=1&to={newest}",
                f"Step {newest - 1}.",
            ),
        }
        counts = {}
        for who in (world.alice, world.dave):
            client = Client()
            client.force_login(who)
            for name, (path, expect) in pages.items():
                counts[(who.email, name)] = _page_queries(client, path, expect)
        return counts

    grow(requirements=10, cycles=9)  # 10 listed, 10 versions
    assert Requirement.objects.get(pk=showcase.pk).versions.count() == 10
    small = measure()
    grow(requirements=30, cycles=30)  # 40 listed, 40 versions
    assert Requirement.objects.get(pk=showcase.pk).versions.count() == 40
    large = measure()

    assert large == small


# Tasks ----------------------------------------------------------------------------------------


def test_it_generates_the_big_projects_tasks_with_their_history(dataset) -> None:
    big = Project.objects.get(key=BIG_PROJECT_KEY)
    tasks = Task.objects.filter(project=big)
    assert tasks.count() == TINY.tasks == dataset.counts["tasks"]
    assert set(tasks.values_list("status", flat=True)) == {
        "todo",
        "in_progress",
        "in_review",
        "blocked",
        "done",
    }
    assert not tasks.filter(status="blocked", blocked_reason="").exists()
    assert not tasks.filter(status="done", done_at__isnull=True).exists()
    assert not tasks.exclude(status="done").filter(done_at__isnull=False).exists()
    # Assignees are the project's team, never a client or a viewer.
    team = set(
        Membership.objects.filter(project=big, role__in=["manager", "member"]).values_list(
            "user_id", flat=True
        )
    )
    assert set(tasks.exclude(assignee=None).values_list("assignee_id", flat=True)) <= team
    assert not tasks.exclude(milestone=None).exclude(milestone__project=big).exists()
    assert not tasks.filter(requirements__isnull=False).exclude(requirements__project=big)
    assert tasks.filter(requirements__isnull=False).distinct().count() > TINY.tasks // 2
    # The showcase task: in the burn-up's milestone, linked, with a checklist and time logged.
    showcase = tasks.get(number=dataset.task_number)
    assert showcase.milestone.number == dataset.task_milestone_number
    assert showcase.requirements.filter(number=dataset.requirement_number).exists()
    assert ChecklistItem.objects.filter(task=showcase).count() == 4
    entries = TimeEntry.objects.filter(task=showcase)
    assert entries.exists()
    assert showcase.spent_hours == sum(e.hours for e in entries)
    for task in tasks.filter(spent_hours__gt=0)[:20]:
        assert task.spent_hours == sum(e.hours for e in task.time_entries.all())
    assert WipLimit.objects.filter(project=big).count() == 3
    # Each task's history, as the delivery services write it, in the project's audit chain.
    created = AuditEvent.objects.filter(project=big, action="task.created")
    assert created.count() == TINY.tasks
    event = created.get(target_id=str(showcase.pk))
    assert event.after["milestone"] == showcase.milestone_id
    assert event.after["status"] == "in_progress"
    assert event.after["estimate_hours"] == str(showcase.estimate_hours)
    moved = AuditEvent.objects.filter(project=big, action="task.moved")
    assert moved.count() == tasks.exclude(status="todo").count()
    assert list(verify_audit_chains()) == []
    counter = ProjectCounter.objects.get(project=big, kind="T")
    assert counter.value == TINY.tasks


# Change requests ------------------------------------------------------------------------------


def test_it_generates_change_requests_in_every_state_with_real_hashes(dataset) -> None:
    from accord.changes.choices import Status as ChangeStatus
    from accord.changes.hashing import change_hash
    from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest

    big = Project.objects.get(key=BIG_PROJECT_KEY)
    changes = ChangeRequest.objects.filter(project=big)
    assert changes.count() == TINY.changes == dataset.counts["change_requests"]
    assert len(set(changes.values_list("status", flat=True))) >= 8
    for change in changes:
        assert change.content_hash == change_hash(change)
        lines = list(change.items.all())
        assert 1 <= len(lines) <= 5
        assert len({line.requirement_id for line in lines if line.requirement_id}) == len(
            [line for line in lines if line.requirement_id]
        )
    assert not ChangeItem.objects.exclude(requirement=None).exclude(requirement__project=big)
    # Live decisions carry the request's current hash and revision; voided ones say why.
    live = ChangeApproval.objects.filter(change_request__project=big, voided_at=None)
    assert live.exists()
    for approval in live.select_related("change_request"):
        assert approval.content_hash == approval.change_request.content_hash
        assert approval.revision == approval.change_request.revision
    voided = ChangeApproval.objects.filter(change_request__project=big, voided_at__isnull=False)
    for approval in voided.select_related("change_request"):
        assert approval.content_hash != approval.change_request.content_hash
        assert "edited after this decision" in approval.void_reason
    assert not changes.filter(status=ChangeStatus.REJECTED).exclude(approvals__decision="rejected")
    # Applied lines point at the version they produced, written against its predecessor.
    for item in ChangeItem.objects.filter(change_request__project=big).exclude(result_version=None):
        assert item.result_version.requirement_id == item.requirement_id
        assert item.base_version.number == item.result_version.number - 1
        assert item.proposed == item.result_version.content
    # The showcase: awaiting approval, five lines, the PM's live approval, one voided decision.
    showcase = changes.get(number=dataset.change_number)
    assert showcase.status == ChangeStatus.AWAITING_APPROVAL
    assert showcase.items.count() == 5
    assert showcase.items.filter(requirement__number=dataset.requirement_number).exists()
    assert showcase.approvals.filter(voided_at=None, decision="approved").count() == 1
    assert showcase.approvals.filter(voided_at__isnull=False).count() == 1
    assert showcase.schedule_impacts.exists()
    assert ProjectCounter.objects.get(project=big, kind="CR").value == TINY.changes
    assert all(result.ok for result in run_checks()), [
        (r.name, r.problems) for r in run_checks() if not r.ok
    ]
