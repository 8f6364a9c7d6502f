"""A change request's page: the redline side by side, the impact in words, approvals with their
hashes (voided ones struck through with the reason), pending slots, the steps offered, the
history; what clients see of internal things; the workflow step pages; bounded queries."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.changes import services
from accord.changes.choices import Status
from accord.changes.models import ChangeRequest
from accord.changes.tests.factories import (
    client_asked_later,
    confirmed_requirement,
    make_change,
    modify_line,
)
from accord.core.models import AuditEvent
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db

HIDDEN_REQUIREMENT = "INTERNAL-SECRET-requirement-draft"
HIDDEN_WORDING = "INTERNAL-SECRET-proposed-wording"
HIDDEN_RISK = "INTERNAL-SECRET-risk-new"
HIDDEN_MILESTONE = "INTERNAL-SECRET-milestone-shift"


def _detail(change: ChangeRequest) -> str:
    return reverse("changes:detail", kwargs={"key": "ACME", "number": change.number})


def _step(change: ChangeRequest, transition: str) -> str:
    return reverse(
        "changes:transition",
        kwargs={"key": "ACME", "number": change.number, "transition": transition},
    )


@pytest.fixture
def awaiting(personas: Any) -> ChangeRequest:
    """A client's request awaiting approval: a line on a confirmed requirement, a line on an
    internal draft requirement, an internal and a shared risk, an internal and a shared
    milestone shift."""
    project = personas.project
    agreed = confirmed_requirement(
        project, title="Monthly invoice report", description="Finance downloads a PDF."
    )
    draft = make_requirement(project, title=HIDDEN_REQUIREMENT)
    change = make_change(
        project,
        actor=personas.carol,
        status=Status.UNDER_ASSESSMENT,
        title="Report as CSV",
        items=[modify_line(agreed, description="Finance downloads a CSV file.")],
    )
    shared_milestone = MilestoneFactory(project=project, name="Go-live", visibility="shared")
    internal_milestone = MilestoneFactory(
        project=project, name=HIDDEN_MILESTONE, visibility="internal"
    )
    services.change_update(
        actor=personas.alice,
        change=change,
        data={"effort_days": Decimal("2.5"), "cost": Decimal("900"), "cost_currency": "CNY",
              "assessment": "A small change to the export."},
        items=[
            modify_line(agreed, description="Finance downloads a CSV file."),
            modify_line(draft, description=HIDDEN_WORDING),
        ],
        schedule=[
            {"milestone": shared_milestone, "shift_days": 3, "note": "Testing"},
            {"milestone": internal_milestone, "shift_days": 9, "note": ""},
        ],
        new_risks=[make_risk(project, title=HIDDEN_RISK),
                   make_risk(project, title="Shared new risk", visibility="shared")],
    )  # fmt: skip
    change.refresh_from_db()
    with client_asked_later(project):
        services.change_transition(
            actor=personas.alice, change=change, transition="request_approval"
        )
    change.refresh_from_db()
    return change


def test_the_team_reads_the_redline_side_by_side_and_the_impact(client, personas, awaiting):
    client.force_login(personas.bob)
    response = client.get(_detail(awaiting))
    text = response.content.decode()
    assert response.status_code == 200
    impact = re.search(r'<article id="impact".*?</article>', text, re.S).group(0)
    assert '<del class="diff-del">PDF</del>' in impact
    assert '<ins class="diff-ins">CSV file</ins>' in impact
    assert HIDDEN_REQUIREMENT in impact and HIDDEN_WORDING in impact
    assert "The change touches 2 requirements." in impact
    assert "It replaces 1 confirmation the client gave" in impact
    assert "Estimated effort: 2.5 person-days." in impact
    assert "900.00 CNY" in impact
    assert "The schedule moves by up to 9 days." in impact
    assert HIDDEN_RISK in impact and HIDDEN_MILESTONE in impact


def test_clients_read_the_same_picture_without_internal_things(client, personas, awaiting):
    client.force_login(personas.dave)
    response = client.get(_detail(awaiting))
    text = response.content.decode()
    assert response.status_code == 200
    for secret in (HIDDEN_REQUIREMENT, HIDDEN_WORDING, HIDDEN_RISK, HIDDEN_MILESTONE):
        assert secret not in text
    assert "a requirement not yet shared" in text
    assert '<ins class="diff-ins">CSV file</ins>' in text
    assert "Shared new risk" in text
    assert "3 days later" in text
    # Dave has signing authority and the request waits for him.
    assert "Your decision is needed (as Client approver)." in text
    assert reverse("changes:decide", kwargs={"key": "ACME", "number": awaiting.number}) in text


def test_approvals_show_who_when_and_hash_and_pending_slots(client, personas, awaiting):
    services.change_decide(
        actor=personas.alice, change=awaiting, decision="approved", comment="Fine by me.",
        expected_hash=awaiting.content_hash,
    )  # fmt: skip
    client.force_login(personas.carol)
    text = client.get(_detail(awaiting)).content.decode()
    approvals = re.search(r'<article id="approvals".*?</article>', text, re.S).group(0)
    assert "Alice" in approvals and "Fine by me." in approvals
    assert f'title="{awaiting.content_hash}"' in approvals
    assert "Project manager: 1 of 1 approved" in approvals
    assert "Client approver: 0 of 1 approved" in approvals
    # Carol has no signing authority: no decision button, and the reason.
    assert "Approve or reject</a>" not in text
    assert "no authority" in approvals


def test_an_edit_after_an_approval_voids_it_visibly(client, personas, awaiting):
    services.change_decide(
        actor=personas.alice, change=awaiting, decision="approved",
        expected_hash=awaiting.content_hash,
    )  # fmt: skip
    awaiting.refresh_from_db()
    services.change_update(
        actor=personas.bob, change=awaiting, data={"reason": "Finance and audit need it."}
    )
    client.force_login(personas.dave)
    text = client.get(_detail(awaiting)).content.decode()
    row = re.search(r'<tr class="approval-voided">.*?</tr>', text, re.S).group(0)
    assert "<del>Alice</del>" in row
    assert "Voided: the request was edited after this decision (revision 2 → 3)." in row
    assert "Project manager: 0 of 1 approved" in text


def test_steps_offered_follow_the_workflow_and_the_role(client, personas, awaiting):
    client.force_login(personas.alice)
    text = client.get(_detail(awaiting)).content.decode()
    assert _step(awaiting, "back_to_assessment") in text
    assert _step(awaiting, "defer") in text
    assert _step(awaiting, "withdraw") in text
    client.force_login(personas.bob)
    text = client.get(_detail(awaiting)).content.decode()
    assert _step(awaiting, "back_to_assessment") not in text
    assert reverse("changes:edit", kwargs={"key": "ACME", "number": awaiting.number}) in text
    client.force_login(personas.carol)
    text = client.get(_detail(awaiting)).content.decode()
    # The client who raised it may withdraw it, not edit it once it is being assessed.
    assert _step(awaiting, "withdraw") in text
    assert reverse("changes:edit", kwargs={"key": "ACME", "number": awaiting.number}) not in text


def test_history_shows_the_audit_trail(client, personas, awaiting):
    client.force_login(personas.bob)
    text = client.get(_detail(awaiting)).content.decode()
    history = re.search(r'<section id="history">.*?</section>', text, re.S).group(0)
    assert history.count("<tr>") >= 4  # created, submitted, assessment, updated, approval


def test_a_step_asks_first_then_moves_and_audits(client, personas):
    change = make_change(personas.project, actor=personas.bob, title="A team draft")
    client.force_login(personas.bob)
    page = client.get(_step(change, "submit"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "goes from “Draft” to “Submitted”" in text
    response = client.post(_step(change, "submit"), {"comment": "Ready", "version": change.version})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == Status.SUBMITTED
    assert change.visibility == "shared"
    event = AuditEvent.objects.filter(action="change.submit").latest("pk")
    assert event.after["comment"] == "Ready"


def test_a_stale_step_is_refused_with_409_and_nothing_moves(client, personas):
    change = make_change(personas.project, actor=personas.bob)
    client.force_login(personas.bob)
    response = client.post(_step(change, "submit"), {"version": change.version - 1})
    assert response.status_code == 409
    change.refresh_from_db()
    assert change.status == Status.DRAFT


def test_a_step_not_open_to_the_user_is_403_with_the_reason(client, personas, awaiting):
    client.force_login(personas.bob)
    response = client.get(_step(awaiting, "back_to_assessment"))
    assert response.status_code == 403
    assert "not allowed to take the step" in response.content.decode()
    response = client.post(_step(awaiting, "back_to_assessment"))
    assert response.status_code == 403
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_an_unknown_step_is_404(client, personas, awaiting):
    client.force_login(personas.alice)
    assert client.get(_step(awaiting, "teleport")).status_code == 404


def test_clients_get_404_for_internal_requests(client, personas):
    change = make_change(personas.project, actor=personas.bob)
    client.force_login(personas.carol)
    assert client.get(_detail(change)).status_code == 404
    assert client.get(_step(change, "submit")).status_code == 404


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["alice", "dave"])
def test_the_page_costs_the_same_queries_whatever_the_redline(client, personas, persona):
    project = personas.project
    small = make_change(
        project, status=Status.AWAITING_APPROVAL, actor=personas.bob,
        items=[modify_line(confirmed_requirement(project, title="One"))],
    )  # fmt: skip
    large = make_change(
        project, status=Status.AWAITING_APPROVAL, actor=personas.bob,
        items=[modify_line(confirmed_requirement(project, title=f"Many {n}")) for n in range(6)],
    )  # fmt: skip
    for change in (small, large):
        services.change_decide(
            actor=personas.alice, change=change, decision="approved",
            expected_hash=change.content_hash,
        )  # fmt: skip
        change.refresh_from_db()
        services.change_update(actor=personas.bob, change=change, data={"title": "Reworded"})
        change.refresh_from_db()
        services.change_decide(
            actor=personas.alice, change=change, decision="approved",
            expected_hash=change.content_hash,
        )  # fmt: skip
    client.force_login(getattr(personas, persona))
    assert _queries(client, _detail(large)) == _queries(client, _detail(small))
