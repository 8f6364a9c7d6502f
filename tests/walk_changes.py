"""The authorization walk's part for changes: its world and its table entries.

`build_world` creates, through the services, the objects the routes point at (with the
marker texts of tests.authorization); TABLE maps each route name to its rules, as in
tests/test_authorization_walk.py.

The world (its keys are what tests/walk_changes_api.py and tests/walk_delivery.py read):

- "internal": the team's draft (raised by bob), internal, with a line on the internal draft
  requirement;
- "shared": a client's request (raised by carol) awaiting approval, with a line on the agreed
  (confirmed, shared) requirement and, added by the team, a line on the internal draft
  requirement, the internal risk as a new risk and a shift of the shared milestone: clients
  read none of the internal things through it (and dave may not approve it);
- "approved": a client's request approved by alice and dave, adding a requirement, ready to be
  applied.
"""

from __future__ import annotations

from typing import Any

from tests.authorization import (
    CHANGE_INTERNAL_MARKER,
    CHANGE_SHARED_MARKER,
    EDIT,
    EDIT_INTERNAL,
    INTERNAL_READ,
    MANAGE,
    MANAGER,
    PROJECT_READ,
    SHARED_MARKER,
    TEAM,
    UNKNOWN_NUMBER,
    Rule,
    roles,
    writers,
)


def build_world(personas: Any, requirements: dict[str, Any], risks: dict[str, Any]) -> dict:
    from accord.changes import services
    from accord.changes.tests.factories import client_asked_later
    from accord.projects.models import Milestone

    alice, bob, carol, dave = personas.alice, personas.bob, personas.carol, personas.dave
    project = personas.project
    agreed, draft = requirements["agreed"], requirements["draft"]

    internal = services.change_create(
        actor=bob, project=project, title=CHANGE_INTERNAL_MARKER, type="modify_scope",
        reason=f"{CHANGE_INTERNAL_MARKER} reason",
        items=[{"action": "modify", "requirement": draft,
                "proposed": {"description": f"{CHANGE_INTERNAL_MARKER} wording"}}],
    )  # fmt: skip

    shared = services.change_create(
        actor=carol, project=project, title=CHANGE_SHARED_MARKER, type="modify_scope",
        reason="The finance team needs the report monthly.",
        items=[{"action": "modify", "requirement": agreed,
                "proposed": {"description": "Monthly, as a CSV file."}}],
    )  # fmt: skip
    services.change_transition(actor=carol, change=shared, transition="submit")
    services.change_transition(actor=alice, change=shared, transition="assess")
    milestone = Milestone.objects.get(project=project, name=SHARED_MARKER)
    services.change_update(
        actor=alice,
        change=shared,
        data={"effort_days": "3.5", "cost": "1200", "cost_currency": "EUR",
              "assessment": "Two days of work and a day of testing."},
        items=[
            {"action": "modify", "requirement": agreed,
             "proposed": {"description": "Monthly, as a CSV file."}},
            {"action": "modify", "requirement": draft,
             "proposed": {"description": f"{CHANGE_INTERNAL_MARKER} line wording"}},
        ],
        schedule=[{"milestone": milestone, "shift_days": 5, "note": "Testing"}],
        new_risks=[risks["internal"], risks["shared"]],
    )  # fmt: skip
    # Approval of a request with lines hidden from the client is asked of the team only; the
    # client's approver is added to the policy right after, so the walk also reads a request
    # that awaits the client (who may read, not approve, it) with internal lines.
    with client_asked_later(project):
        services.change_transition(actor=alice, change=shared, transition="request_approval")

    approved = services.change_create(
        actor=carol, project=project, title=f"{CHANGE_SHARED_MARKER} approved", type="add_scope",
        reason="Exports for the auditors.",
        items=[{"action": "add", "proposed": {"title": f"{CHANGE_SHARED_MARKER} export"}}],
    )  # fmt: skip
    services.change_transition(actor=carol, change=approved, transition="submit")
    services.change_transition(actor=alice, change=approved, transition="assess")
    services.change_transition(actor=alice, change=approved, transition="request_approval")
    for approver in (alice, dave):
        approved.refresh_from_db()
        services.change_decide(
            actor=approver, change=approved, decision="approved",
            expected_hash=approved.content_hash,
        )  # fmt: skip
    for change in (internal, shared, approved):
        change.refresh_from_db()
    return {"internal": internal, "shared": shared, "approved": approved}


def _cr(name: str) -> Any:
    return lambda world: {"key": "ACME", "number": world.changes[name].number}


def _no_cr(world: Any) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _step(name: str, transition: str) -> Any:
    return lambda world: {**_cr(name)(world), "transition": transition}


def _no_cr_step(transition: str) -> Any:
    return lambda world: {**_no_cr(world), "transition": transition}


def _acme(world: Any) -> dict[str, Any]:
    return {"key": "ACME"}


# Clients and the team raise requests; viewers and staff (no role) do not.
RAISE = roles(vera=403, staff=403)
RAISERS = writers("alice", "bob", "carol", "dave")
# Deciding: the project manager and the client approver, on a request awaiting approval.
DECIDE = roles(carol=403, dave=200, bob=403, alice=200, staff=403)
DECIDERS = writers("alice", "dave")
# Withdrawing: the client who raised it, or the project manager.
WITHDRAW = roles(carol=200, dave=403, bob=403, alice=200, staff=403)

TABLE: dict[str, list[Rule]] = {
    "changes:list": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&status=draft&state=open&type=modify_scope"
                   "&urgency=normal&sort=-updated"),
        Rule(variant="decided", get=PROJECT_READ, kwargs=_acme, query="?state=decided&page=2"),
    ],
    "changes:create": [
        Rule(get=RAISE, kwargs=_acme, writes=("POST",), writers=RAISERS),
    ],
    "changes:policy": [Rule(get=MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER)],
    "changes:detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_cr("shared")),
        Rule(variant="approved", get=PROJECT_READ, kwargs=_cr("approved")),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_cr("internal"), unknown=_no_cr),
    ],
    "changes:edit": [
        Rule(variant="shared", get=EDIT, kwargs=_cr("shared"), writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_cr("internal"), unknown=_no_cr,
             writes=("POST",), writers=TEAM),
    ],
    "changes:assess": [
        Rule(variant="shared", get=EDIT, kwargs=_cr("shared"), writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_cr("internal"), unknown=_no_cr,
             writes=("POST",), writers=TEAM),
    ],
    "changes:transition": [
        Rule(variant="submit-internal", get=EDIT_INTERNAL, kwargs=_step("internal", "submit"),
             unknown=_no_cr_step("submit"), writes=("POST",), writers=TEAM),
        Rule(variant="back-to-assessment", get=MANAGE,
             kwargs=_step("shared", "back_to_assessment"), writes=("POST",), writers=MANAGER),
        Rule(variant="withdraw-own", get=WITHDRAW, kwargs=_step("shared", "withdraw"),
             writes=("POST",), writers=writers("alice", "carol")),
    ],
    "changes:decide": [
        Rule(variant="shared", get=DECIDE, kwargs=_cr("shared"), writes=("POST",),
             writers=DECIDERS),
        Rule(variant="internal", get=roles(carol=404, bob=403, alice=403, staff=403),
             kwargs=_cr("internal"), unknown=_no_cr, writes=("POST",)),
    ],
    "changes:apply": [
        Rule(variant="approved", get=MANAGE, kwargs=_cr("approved"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="awaiting", get=MANAGE, kwargs=_cr("shared"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="internal", get=roles(carol=404, bob=403, staff=403),
             kwargs=_cr("internal"), unknown=_no_cr, writes=("POST",), writers=MANAGER),
    ],
}  # fmt: skip
