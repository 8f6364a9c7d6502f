"""The benchmark's data generator and scenarios, on a tiny dataset (not the load run)."""

from __future__ import annotations

import pytest

from accord.accounts.models import ApiToken
from accord.core.audit import verify_audit_chains
from accord.core.models import AuditChainHead, AuditEvent, ProjectCounter
from accord.projects import services
from accord.projects.models import Membership, Milestone, Project
from bench.datagen import BIG_PROJECT_KEY, Sizes, generate
from bench.probe import probe, sign_in
from bench.report import Report, Row
from bench.scenarios import SCENARIOS

TINY = Sizes(projects=4, users=15, milestones=12, audit_records=300)


@pytest.fixture
def dataset(db):
    return generate(TINY, batch_size=50)


def test_it_generates_the_requested_sizes(dataset) -> None:
    assert Project.objects.count() == 4
    assert Milestone.objects.count() == 12
    assert Milestone.objects.filter(project__key=BIG_PROJECT_KEY).count() == 3
    # 300 generated records, plus the creation of the benchmark's API token.
    assert AuditEvent.objects.count() == 301
    assert dataset.counts["audit_records"] == 301
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
