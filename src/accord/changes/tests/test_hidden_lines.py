"""A client's approvers are never asked to approve, and never approve, a content hash that
covers lines hidden from them (a redline line on a requirement not shared with the client, a
schedule line on an internal milestone): requesting approval is refused naming those lines, on
the page and in the API, and nothing is half-saved; the team shares or removes them first."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accord.changes import services
from accord.changes.choices import Decision, Status
from accord.changes.models import ChangeApproval, ChangeRequest
from accord.changes.tests.factories import (
    client_asked_later,
    confirmed_requirement,
    make_change,
    modify_line,
)
from accord.core.exceptions import ApplicationError
from accord.core.models import AuditEvent
from accord.notifications.models import Notification
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "INTERNAL-SECRET-requirement-on-a-line"


@pytest.fixture
def assessed(personas: Any) -> dict[str, Any]:
    """A client's request under assessment: a line on a confirmed (shared) requirement and,
    added by the team, a line on an internal draft requirement."""
    project = personas.project
    agreed = confirmed_requirement(project, title="Monthly invoice report")
    draft = make_requirement(project, title=HIDDEN_TITLE)
    change = make_change(
        project,
        actor=personas.carol,
        status=Status.UNDER_ASSESSMENT,
        items=[modify_line(agreed, description="As CSV.")],
    )
    services.change_update(
        actor=personas.alice,
        change=change,
        data={},
        items=[
            modify_line(agreed, description="As CSV."),
            modify_line(draft, description="Internal wording."),
        ],
    )
    change.refresh_from_db()
    return {"change": change, "agreed": agreed, "draft": draft}


def _state(change: ChangeRequest) -> tuple:
    change.refresh_from_db()
    return (
        change.status,
        change.version,
        change.approval_requested_at,
        change.approval_due,
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def _request_approval(personas: Any, change: ChangeRequest) -> None:
    services.change_transition(actor=personas.alice, change=change, transition="request_approval")


def test_requesting_approval_is_refused_naming_the_hidden_lines(personas, assessed):
    change, draft = assessed["change"], assessed["draft"]
    before = _state(change)
    with pytest.raises(ApplicationError) as info:
        _request_approval(personas, change)
    assert info.value.field == "items"
    assert f"line 2 ({draft.key})" in info.value.message
    assert assessed["agreed"].key not in info.value.message
    assert _state(change) == before


def test_a_schedule_line_on_an_internal_milestone_is_named_too(personas, assessed):
    change = assessed["change"]
    internal = MilestoneFactory(project=personas.project, visibility="internal")
    services.change_update(
        actor=personas.alice,
        change=change,
        data={},
        items=[modify_line(assessed["agreed"], description="As CSV.")],
        schedule=[{"milestone": internal, "shift_days": 4, "note": ""}],
    )
    change.refresh_from_db()
    before = _state(change)
    with pytest.raises(ApplicationError) as info:
        _request_approval(personas, change)
    assert info.value.field == "schedule"
    assert internal.key in info.value.message
    assert _state(change) == before


def test_once_the_line_is_removed_approval_is_requested(personas, assessed):
    change = assessed["change"]
    services.change_update(
        actor=personas.alice,
        change=change,
        data={},
        items=[modify_line(assessed["agreed"], description="As CSV.")],
    )
    change.refresh_from_db()
    _request_approval(personas, change)
    change.refresh_from_db()
    assert change.status == Status.AWAITING_APPROVAL


def test_a_policy_without_client_approvers_asks_only_the_team(personas, assessed):
    change = assessed["change"]
    services.policy_update(
        actor=personas.alice,
        project=personas.project,
        data={"require_manager": True, "client_approvals": 0, "decision_days": 5},
    )
    _request_approval(personas, change)
    change.refresh_from_db()
    assert change.status == Status.AWAITING_APPROVAL


def test_an_edit_of_a_request_awaiting_the_client_may_not_hide_a_line(personas):
    project = personas.project
    agreed = confirmed_requirement(project, title="Monthly invoice report")
    draft = make_requirement(project, title=HIDDEN_TITLE)
    change = make_change(
        project, status=Status.AWAITING_APPROVAL, items=[modify_line(agreed, description="CSV")]
    )
    before = _state(change)
    with pytest.raises(ApplicationError) as info:
        services.change_update(
            actor=personas.alice,
            change=change,
            data={"background": "And the draft too."},
            items=[
                modify_line(agreed, description="CSV"),
                modify_line(draft, description="Internal wording."),
            ],
        )
    assert info.value.field == "items"
    assert draft.key in info.value.message
    assert _state(change) == before
    change.refresh_from_db()
    assert change.items.count() == 1
    assert change.background == ""


def test_a_client_approver_cannot_approve_hidden_lines_but_may_reject(personas, assessed):
    """A request that awaits the client with a hidden line (the client's approver was added to
    the policy after approval was requested): the approval is refused without naming the
    line, a rejection goes through."""
    change = assessed["change"]
    with client_asked_later(personas.project):
        _request_approval(personas, change)
    change.refresh_from_db()
    with pytest.raises(ApplicationError) as info:
        services.change_decide(
            actor=personas.dave,
            change=change,
            decision=Decision.APPROVED,
            expected_hash=change.content_hash,
        )
    assert info.value.field == "decision"
    assert info.value.message.startswith("1 part of this request is not shared with you")
    assert assessed["draft"].key not in info.value.message
    assert not ChangeApproval.objects.filter(change_request=change).exists()
    services.change_decide(
        actor=personas.dave,
        change=change,
        decision=Decision.REJECTED,
        comment="We cannot see line 2.",
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    assert change.status == Status.REJECTED


# Pages and API ----------------------------------------------------------------------------------


def test_the_step_page_shows_the_refusal_with_the_lines(client, personas, assessed):
    change, draft = assessed["change"], assessed["draft"]
    before = _state(change)
    client.force_login(personas.alice)
    url = reverse(
        "changes:transition",
        kwargs={"key": "ACME", "number": change.number, "transition": "request_approval"},
    )
    response = client.post(url, {"comment": "", "version": change.version})
    assert response.status_code == 400
    text = response.content.decode()
    assert "cannot be asked to approve it" in text
    assert draft.key in text
    assert _state(change) == before


def test_the_api_answers_400_naming_the_field_and_the_lines(personas, assessed):
    change, draft = assessed["change"], assessed["draft"]
    before = _state(change)
    api = APIClient()
    api.force_authenticate(personas.alice)
    response = api.post(
        f"/api/v1/projects/ACME/changes/{change.number}/transition/",
        {"transition": "request_approval"},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "items"
    assert draft.key in body["message"]
    assert _state(change) == before


def test_the_decide_page_offers_a_client_approver_only_rejection(client, personas, assessed):
    change = assessed["change"]
    with client_asked_later(personas.project):
        _request_approval(personas, change)
    url = reverse("changes:decide", kwargs={"key": "ACME", "number": change.number})
    client.force_login(personas.dave)
    text = client.get(url).content.decode()
    assert 'id="hidden-lines"' in text
    assert 'value="approved"' not in text
    assert 'value="rejected"' in text
    assert assessed["draft"].key not in text
    client.force_login(personas.alice)
    text = client.get(url).content.decode()
    assert 'value="approved"' in text
    assert 'id="hidden-lines"' not in text
