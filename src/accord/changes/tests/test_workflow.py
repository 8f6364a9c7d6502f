"""The change request workflow table: who may take which step from where; "implement" is
never a plain step."""

from __future__ import annotations

import pytest

from accord.changes import services, workflow
from accord.changes.choices import Status
from accord.changes.tests.factories import make_change

pytestmark = pytest.mark.django_db


def test_requester_and_manager_submit_and_withdraw_a_draft(personas):
    change = make_change(personas.project)  # raised by bob
    assert workflow.available_transitions(personas.bob, change) == ["submit", "withdraw"]
    assert workflow.available_transitions(personas.alice, change) == ["submit", "withdraw"]
    for other in (personas.carol, personas.dave, personas.vera, personas.mallory):
        assert workflow.available_transitions(other, change) == []


def test_client_requester_submits_their_own_request(personas):
    change = services.change_create(
        actor=personas.carol, project=personas.project, title="Dark mode", reason="Night."
    )
    assert workflow.available_transitions(personas.carol, change) == ["submit", "withdraw"]
    assert workflow.available_transitions(personas.dave, change) == []
    assert workflow.available_transitions(personas.bob, change) == []


def test_team_assesses_manager_asks_for_approval(personas):
    change = make_change(personas.project, status=Status.SUBMITTED)
    assert "assess" in workflow.available_transitions(personas.bob, change)
    assert workflow.available_transitions(personas.carol, change) == []
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT)
    assert workflow.available_transitions(personas.alice, change) == [
        "request_approval",
        "defer",
        "withdraw",
    ]
    assert workflow.available_transitions(personas.bob, change) == ["withdraw"]


def test_implement_is_never_offered_as_a_plain_step(personas):
    change = make_change(personas.project, status=Status.APPROVED)
    steps = workflow.available_transitions(personas.alice, change)
    assert "implement" not in steps
    assert steps == ["start_implementation"]
    assert workflow.target_state("start_implementation") == Status.IN_IMPLEMENTATION


def test_every_status_is_reachable_in_the_table():
    from accord.changes.choices import WORKFLOW

    targets = {target for _name, _sources, target, _actor in WORKFLOW}
    # approved and rejected come from decisions, draft is the start.
    assert targets | {Status.DRAFT, Status.APPROVED, Status.REJECTED} == set(Status.values)
