"""The approvers' page (content, diff, impact and the hash they sign; approve, reject with a
comment; stale hashes, no authority and self-approval refused) and applying the approved change
(new confirmed versions, a baseline, exactly once)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.changes import services
from accord.changes.choices import Status
from accord.changes.models import ChangeApproval, ChangeRequest
from accord.changes.tests.factories import confirmed_requirement, make_change, modify_line
from accord.requirements.choices import Decision as RequirementDecision
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.models import Baseline, ClientDecision, Requirement

pytestmark = pytest.mark.django_db


def _url(name: str, change: ChangeRequest) -> str:
    return reverse(f"changes:{name}", kwargs={"key": "ACME", "number": change.number})


@pytest.fixture
def awaiting(personas: Any) -> ChangeRequest:
    requirement = confirmed_requirement(
        personas.project, title="Invoice report", description="Finance downloads a PDF."
    )
    return make_change(
        personas.project,
        status=Status.AWAITING_APPROVAL,
        actor=personas.bob,
        items=[modify_line(requirement, description="Finance downloads a CSV file.")],
    )


def test_the_approver_reads_what_they_sign(client, personas, awaiting):
    client.force_login(personas.dave)
    response = client.get(_url("decide", awaiting))
    text = response.content.decode()
    assert response.status_code == 200
    assert f'<code class="decision-hash">{awaiting.content_hash}</code>' in text
    assert '<ins class="diff-ins">CSV file</ins>' in text
    assert "as Client approver" in text
    assert f'name="expected_hash" value="{awaiting.content_hash}"' in text


def test_pm_and_client_approver_approve(client, personas, awaiting):
    for person in (personas.alice, personas.dave):
        client.force_login(person)
        response = client.post(
            _url("decide", awaiting),
            {"decision": "approved", "comment": "", "expected_hash": awaiting.content_hash},
        )
        assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Status.APPROVED
    approvals = ChangeApproval.objects.filter(change_request=awaiting)
    assert {a.approver for a in approvals} == {personas.alice, personas.dave}
    assert {a.content_hash for a in approvals} == {awaiting.content_hash}


def test_a_rejection_needs_a_comment(client, personas, awaiting):
    client.force_login(personas.dave)
    response = client.post(
        _url("decide", awaiting),
        {"decision": "rejected", "comment": " ", "expected_hash": awaiting.content_hash},
    )
    assert response.status_code == 400
    assert 'id="id_comment-error"' in response.content.decode()
    assert not ChangeApproval.objects.exists()
    response = client.post(
        _url("decide", awaiting),
        {"decision": "rejected", "comment": "Not now.", "expected_hash": awaiting.content_hash},
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Status.REJECTED


def test_a_decision_on_content_that_changed_meanwhile_is_refused(client, personas, awaiting):
    seen = awaiting.content_hash
    client.force_login(personas.dave)
    services.change_update(actor=personas.bob, change=awaiting, data={"title": "Changed"})
    response = client.post(
        _url("decide", awaiting), {"decision": "approved", "comment": "", "expected_hash": seen}
    )
    assert response.status_code in (400, 409)
    assert "form-errors" in response.content.decode()
    assert not ChangeApproval.objects.exists()


def test_someone_without_authority_is_told_why(client, personas, awaiting):
    client.force_login(personas.carol)
    response = client.get(_url("decide", awaiting))
    assert response.status_code == 403
    assert "no authority" in response.content.decode()
    response = client.post(
        _url("decide", awaiting),
        {"decision": "approved", "comment": "", "expected_hash": awaiting.content_hash},
    )
    assert response.status_code == 403
    assert not ChangeApproval.objects.exists()


def test_approving_ones_own_request_is_refused_by_default(client, personas):
    from accord.accounts.tests.factories import UserFactory
    from accord.projects.tests.factories import MembershipFactory

    # A second client approver, so that approval can be requested on dave's own request.
    MembershipFactory(project=personas.project, user=UserFactory(), role="client", can_approve=True)
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL, actor=personas.dave)
    client.force_login(personas.dave)
    response = client.post(
        _url("decide", change),
        {"decision": "approved", "comment": "", "expected_hash": change.content_hash},
    )
    assert response.status_code == 403
    assert "you raised yourself" in response.content.decode()
    assert not ChangeApproval.objects.exists()


def test_applying_writes_confirmed_versions_and_a_baseline_once(client, personas, awaiting):
    requirement = awaiting.items.get().requirement
    for person in (personas.alice, personas.dave):
        awaiting.refresh_from_db()
        services.change_decide(
            actor=person, change=awaiting, decision="approved",
            expected_hash=awaiting.content_hash,
        )  # fmt: skip
    awaiting.refresh_from_db()
    client.force_login(personas.alice)
    page = client.get(_url("apply", awaiting)).content.decode()
    assert "Record a new baseline of the agreed scope" in page
    data = {"record_baseline": "on", "baseline_name": "After the CSV change",
            "version": str(awaiting.version)}  # fmt: skip
    response = client.post(_url("apply", awaiting), data)
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Status.IMPLEMENTED
    requirement = Requirement.objects.get(pk=requirement.pk)
    assert requirement.current_version.number == 2
    assert requirement.confirmed_version == requirement.current_version
    assert requirement.status == RequirementStatus.CONFIRMED
    decision = ClientDecision.objects.get(version=requirement.current_version)
    assert decision.decision == RequirementDecision.CONFIRMED
    assert decision.change_request == awaiting and decision.decided_by == personas.dave
    assert awaiting.baseline == Baseline.objects.get(name="After the CSV change")

    # The page shows the result; a second click applies nothing.
    text = client.get(_url("detail", awaiting)).content.decode()
    assert "After the CSV change" in text and "Implemented" in text
    versions = requirement.versions.count()
    again = client.post(_url("apply", awaiting), data)
    assert again.status_code in (400, 409)
    assert requirement.versions.count() == versions
    assert Baseline.objects.filter(name="After the CSV change").count() == 1


def test_a_request_that_is_not_approved_cannot_be_applied(client, personas, awaiting):
    client.force_login(personas.alice)
    page = client.get(_url("apply", awaiting))
    assert "Only an approved change request can be applied" in page.content.decode()
    response = client.post(_url("apply", awaiting), {"version": str(awaiting.version)})
    assert response.status_code == 400
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_only_the_manager_applies(client, personas):
    change = make_change(personas.project, status=Status.APPROVED)
    client.force_login(personas.bob)
    assert client.get(_url("apply", change)).status_code == 403
    assert client.post(_url("apply", change)).status_code == 403
    change.refresh_from_db()
    assert change.status == Status.APPROVED


def test_applying_can_create_a_task_per_changed_requirement(client, personas):
    from accord.delivery.models import Task

    change = make_change(personas.project, status=Status.APPROVED)
    requirement = change.items.get().requirement
    client.force_login(personas.alice)
    page = client.get(_url("apply", change)).content.decode()
    assert 'name="create_tasks"' in page
    response = client.post(
        _url("apply", change), {"create_tasks": "on", "version": str(change.version)}
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert list(task.requirements.all()) == [requirement]
    assert list(task.change_requests.all()) == [change]
    change.refresh_from_db()
    assert change.status == Status.IMPLEMENTED and change.baseline is None


def test_pages_render_in_chinese(client, personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    personas.dave.language = "zh-hans"
    personas.dave.save(update_fields=["language"])
    client.force_login(personas.dave)
    for name in ("detail", "decide"):
        assert client.get(_url(name, change)).status_code == 200
    assert client.get(reverse("changes:list", kwargs={"key": "ACME"})).status_code == 200
    assert client.get(reverse("changes:create", kwargs={"key": "ACME"})).status_code == 200
