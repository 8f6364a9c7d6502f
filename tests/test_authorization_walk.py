"""Every route of Accord, asked by every persona: each gets exactly what the role allows.

The walk reads the URL configuration itself, so a new route that is not in TABLE below fails
with a message naming it. Outsiders get the same 404 as for an unknown project; client users
see shared content only; no response carries the marker text of an object the persona may not
see. The world is built once per module inside a transaction that is rolled back at the end;
each case runs in its own savepoint.

Adding a route: give TABLE an entry under its full name (`risks:detail`, `api:project-risk-list`)
with one Rule per kind of object it shows (e.g. a shared and an internal variant), saying how
to build its URL from the world (`kwargs`), what each persona gets for GET (`roles(...)` with
the defaults: anonymous → sign-in wall, mallory → 404, everyone in ACME and staff → 200) and,
for routes that write, the unsafe methods to try and who may use them (`writes`, `writers`).
New kinds of object go into `tests.authorization.build_world`, with a marker text in their name
when clients or outsiders must never see them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from tests import (
    walk_changes,
    walk_changes_api,
    walk_delivery,
    walk_delivery_api,
    walk_delivery_insights,
)
from tests.authorization import (
    ACME_NAME,
    ADMIN_PERSONAS,
    API_POST_ONLY,
    API_POST_ONLY_INTERNAL,
    API_SIGNED_IN,
    APPROVER,
    CREATORS,
    EDIT,
    EDIT_INTERNAL,
    FORBIDDEN_TEXT,
    INTERNAL_READ,
    INVITEE_EMAIL,
    LOGIN,
    MANAGE,
    MANAGER,
    PERSONAL_POST_ONLY,
    PERSONAS,
    POST_ONLY,
    PROJECT_READ,
    REFUSED,
    TEAM,
    UNKNOWN_NUMBER,
    Route,
    Rule,
    World,
    body_text,
    build_world,
    describe,
    everyone,
    fingerprint,
    is_login_wall,
    matches,
    normalised,
    outcome,
    project_routes,
    roles,
    writers,
)

SIGNED_IN = writers(*(p for p in PERSONAS if p != "anonymous"))
EVERYONE = writers(*PERSONAS)

# Personal pages: every signed-in user has one, anonymous visitors meet the sign-in wall.
PERSONAL = roles(mallory=200)
# Public pages: anyone, signed in or not.
PUBLIC = everyone(200)


def _alice_token(world: World) -> dict[str, Any]:
    return {"pk": world.token_objects["alice"].pk}


def _own_token(world: World, persona: str) -> dict[str, Any]:
    owner = "alice" if persona == "anonymous" else persona
    return {"pk": world.token_objects[owner].pk}


def _reset_link(world: World) -> dict[str, Any]:
    return {"uidb64": "MQ", "token": "bad-token-for-the-walk"}


def _invitation_link(world: World) -> dict[str, Any]:
    return {"token": world.invitation_token}


def _acme(world: World) -> dict[str, Any]:
    return {"key": "ACME"}


def _bobs_membership(world: World) -> dict[str, Any]:
    return {"key": "ACME", "pk": world.membership.pk}


def _pending_invitation(world: World) -> dict[str, Any]:
    return {"key": "ACME", "pk": world.invitation.pk}


def _shared(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": world.shared.number}


def _internal(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": world.internal.number}


def _no_milestone(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _api_project(world: World) -> dict[str, Any]:
    return {"project_key": "ACME"}


def _api_membership(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "id": world.membership.pk}


def _api_invitation(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "id": world.invitation.pk}


def _api_shared(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": world.shared.number}


def _api_internal(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": world.internal.number}


def _api_no_milestone(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _api_audit_record(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "id": world.audit_event.pk}


# Requirements over the API: a shared (submitted) requirement and a draft; "unknown" variants
# point at a requirement number that does not exist.
def _api_req(name: str) -> Any:
    return lambda world: {"project_key": "ACME", "number": world.requirements[name].number}


def _api_no_requirement(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _api_version(name: str, version: int) -> Any:
    return lambda world: {**_api_req(name)(world), "version": version}


def _api_no_version(world: World) -> dict[str, Any]:
    return {**_api_req("shared")(world), "version": UNKNOWN_NUMBER}


def _api_criterion(name: str) -> Any:
    criterion = "criterion" if name == "shared" else f"{name}_criterion"
    return lambda world: {**_api_req(name)(world), "id": world.requirements[criterion].pk}


def _api_no_requirement_criterion(world: World) -> dict[str, Any]:
    return {**_api_no_requirement(world), "id": world.requirements["draft_criterion"].pk}


def _api_comment(name: str) -> Any:
    return lambda world: {**_api_req("shared")(world), "id": world.requirements[name].pk}


def _api_link(world: World) -> dict[str, Any]:
    return {**_api_req("shared")(world), "id": world.requirements["link"].pk}


def _api_baseline(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": world.requirements["baseline"].number}


# Risk pages: the same internal and shared risk and their response actions.
def _risk(name: str) -> Any:
    return lambda world: {"key": "ACME", "number": world.risks[name].number}


def _no_risk(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _risk_action(name: str) -> Any:
    return lambda world: {**_risk(name)(world), "pk": world.risks[f"{name}_action"].pk}


def _no_risk_action(world: World) -> dict[str, Any]:
    return {**_risk("internal")(world), "pk": UNKNOWN_NUMBER}


def _problem(name: str) -> Any:
    return lambda world: {"key": "ACME", "number": world.problems[name].number}


def _no_problem(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


# Risks over the API: an internal and a shared risk, each with a response action.
def _api_risk(name: str) -> Any:
    return lambda world: {"project_key": "ACME", "number": world.risks[name].number}


def _api_no_risk(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _api_risk_action(name: str) -> Any:
    return lambda world: {**_api_risk(name)(world), "id": world.risks[f"{name}_action"].pk}


def _api_no_risk_action(world: World) -> dict[str, Any]:
    return {**_api_risk("internal")(world), "id": UNKNOWN_NUMBER}


# Problems over the API: an internal and a shared problem.
def _api_problem(name: str) -> Any:
    return lambda world: {"project_key": "ACME", "number": world.problems[name].number}


def _api_no_problem(world: World) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


def _alices_notification(world: World) -> dict[str, Any]:
    return {"pk": world.notifications["alice"].pk}


def _own_notification(world: World, persona: str) -> dict[str, Any]:
    owner = "alice" if persona == "anonymous" else persona
    return {"pk": world.notifications[owner].pk}


def _api_alices_notification(world: World) -> dict[str, Any]:
    return {"id": world.notifications["alice"].pk}


def _api_own_notification(world: World, persona: str) -> dict[str, Any]:
    return {"id": _own_notification(world, persona)["pk"]}


def _requirement(name: str) -> Any:
    def kwargs(world: World) -> dict[str, Any]:
        return {"key": "ACME", "number": world.requirements[name].number}

    return kwargs


def _no_requirement(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _requirement_version(name: str, version: int) -> Any:
    def kwargs(world: World) -> dict[str, Any]:
        return {"key": "ACME", "number": world.requirements[name].number, "version": version}

    return kwargs


def _baseline(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": world.requirements["baseline"].number}


def _no_baseline(world: World) -> dict[str, Any]:
    return {"key": "ACME", "number": UNKNOWN_NUMBER}


def _requirement_item(name: str, item: str | None) -> Any:
    """A comment, link or criterion (`item`) of the requirement `name`; None: an unknown one."""

    def kwargs(world: World) -> dict[str, Any]:
        pk = world.requirements[item].pk if item else UNKNOWN_NUMBER
        return {"key": "ACME", "number": world.requirements[name].number, "pk": pk}

    return kwargs


# A client decision on a requirement: only approvers reach the page; on a draft, clients get
# the 404 of an unknown requirement; on an agreed one, approvers see that nothing awaits them.
DECISION_RULES = [
    Rule(variant="submitted", get=roles(carol=403, dave=200, bob=403, alice=403, staff=403),
         kwargs=_requirement("shared"), writes=("POST",), writers=APPROVER),
    Rule(variant="agreed", get=roles(carol=403, dave=200, bob=403, alice=403, staff=403),
         kwargs=_requirement("agreed")),
    Rule(variant="draft", get=roles(carol=404, bob=403, alice=403, staff=403),
         kwargs=_requirement("draft"), unknown=_no_requirement, writes=("POST",),
         writers=writers()),
]  # fmt: skip

# The authorization table: route name → the rules its URLs follow. Keep it in URL order.
TABLE: dict[str, list[Rule]] = {
    "home": [Rule(get=everyone(302))],
    # Accounts ---------------------------------------------------------------------------------
    "accounts:login": [Rule(get=roles(anonymous=200, mallory=302, carol=302, bob=302, alice=302,
                                      staff=302))],
    "accounts:logout": [Rule(get=everyone(405), writes=("POST",), writers=EVERYONE)],
    "accounts:language": [Rule(get=everyone(405), writes=("POST",), writers=EVERYONE)],
    "accounts:profile": [Rule(get=PERSONAL, writes=("POST",), writers=SIGNED_IN)],
    "accounts:tokens": [Rule(get=PERSONAL, writes=("POST",), writers=SIGNED_IN)],
    "accounts:token-revoke": [
        Rule(
            variant="someone-elses",
            get=roles(mallory=404, carol=404, bob=404, staff=404),
            kwargs=_alice_token,
            writes=("POST",),
            writers=MANAGER,
        ),
        Rule(variant="own", get=PERSONAL, kwargs_for=_own_token, writes=("POST",),
             writers=SIGNED_IN),
    ],
    "accounts:password-change": [Rule(get=PERSONAL, writes=("POST",), writers=SIGNED_IN)],
    "accounts:password-reset": [Rule(get=PUBLIC)],
    "accounts:password-reset-done": [Rule(get=PUBLIC)],
    "accounts:password-reset-confirm": [Rule(get=PUBLIC, kwargs=_reset_link)],
    "accounts:password-reset-complete": [Rule(get=PUBLIC)],
    # Projects ---------------------------------------------------------------------------------
    "projects:list": [
        Rule(get=PERSONAL),
        Rule(variant="search-other-project", get=PERSONAL, query="?q=EVIL"),
    ],
    "projects:create": [
        Rule(get=roles(mallory=200, carol=403, bob=403), writes=("POST",), writers=CREATORS)
    ],
    "projects:invitation-accept": [
        # The link itself is the credential: whoever holds it may read and use it.
        Rule(get=PUBLIC, kwargs=_invitation_link, writes=("POST",), writers=EVERYONE,
             reveals=(ACME_NAME, INVITEE_EMAIL)),
        Rule(variant="unknown-token", get=everyone(404), kwargs=lambda w: {"token": "no-such"}),
    ],
    "projects:overview": [Rule(get=PROJECT_READ, kwargs=_acme)],
    "projects:settings": [Rule(get=MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER)],
    "projects:history": [Rule(get=INTERNAL_READ, kwargs=_acme)],
    "projects:members": [Rule(get=PROJECT_READ, kwargs=_acme)],
    "projects:member-invite": [
        Rule(get=POST_ONLY, kwargs=_acme, writes=("POST",), writers=MANAGER)
    ],
    "projects:member-change": [
        Rule(get=POST_ONLY, kwargs=_bobs_membership, writes=("POST",), writers=MANAGER)
    ],
    "projects:member-remove": [
        Rule(get=MANAGE, kwargs=_bobs_membership, writes=("POST",), writers=MANAGER)
    ],
    "projects:invitation-revoke": [
        Rule(get=POST_ONLY, kwargs=_pending_invitation, writes=("POST",), writers=MANAGER)
    ],
    "projects:milestones": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="filtered", get=PROJECT_READ, kwargs=_acme, query="?status=planned"),
    ],
    "projects:milestone-create": [
        Rule(get=EDIT, kwargs=_acme, writes=("POST",), writers=TEAM)
    ],
    "projects:milestone-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_shared),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_internal, unknown=_no_milestone),
    ],
    "projects:milestone-edit": [
        Rule(variant="shared", get=EDIT, kwargs=_shared, writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_internal, unknown=_no_milestone,
             writes=("POST",), writers=TEAM),
    ],
    "projects:milestone-delete": [
        Rule(variant="shared", get=EDIT, kwargs=_shared, writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_internal, unknown=_no_milestone,
             writes=("POST",), writers=TEAM),
    ],
    # Notifications: each person's own; anyone else's is 404 ------------------------------------
    "notifications:list": [
        Rule(get=PERSONAL),
        Rule(variant="unread", get=PERSONAL, query="?unread=true"),
    ],
    "notifications:read-all": [Rule(get=PERSONAL_POST_ONLY, writes=("POST",), writers=SIGNED_IN)],
    "notifications:read": [
        Rule(variant="someone-elses", get=PERSONAL_POST_ONLY, kwargs=_alices_notification,
             writes=("POST",), writers=MANAGER),
        Rule(variant="own", get=PERSONAL_POST_ONLY, kwargs_for=_own_notification,
             writes=("POST",), writers=SIGNED_IN),
    ],
    # Requirements: list, tree, forms, bulk actions ---------------------------------------------
    "requirements:list": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&sort=-priority&status=draft"),
        Rule(variant="tag-and-parent", get=PROJECT_READ, kwargs=_acme,
             query="?tag=walk&parent=R1&confirmed=no"),
    ],
    "requirements:tree": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="filtered", get=PROJECT_READ, kwargs=_acme, query="?status=draft"),
    ],
    "requirements:create": [Rule(get=EDIT, kwargs=_acme, writes=("POST",), writers=TEAM)],
    "requirements:bulk": [Rule(get=POST_ONLY, kwargs=_acme, writes=("POST",), writers=TEAM)],
    "requirements:edit": [
        Rule(variant="shared", get=EDIT, kwargs=_requirement("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="draft", get=EDIT_INTERNAL, kwargs=_requirement("draft"),
             unknown=_no_requirement, writes=("POST",), writers=TEAM),
    ],
    # Requirements: a requirement's page and what it offers ----------------------------------
    "requirements:detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_requirement("shared")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_requirement("draft"),
             unknown=_no_requirement),
    ],
    "requirements:transition": [
        # Client approvers reach the page (accepting is theirs); the team takes the other steps.
        Rule(variant="shared", get=roles(carol=403, dave=200, vera=403, staff=403),
             kwargs=_requirement("shared"), writes=("POST",),
             writers=writers("alice", "bob", "dave")),
        Rule(variant="draft", get=roles(carol=404, vera=403, staff=403),
             kwargs=_requirement("draft"), unknown=_no_requirement, writes=("POST",),
             writers=TEAM),
    ],
    "requirements:version": [
        Rule(variant="shown", get=PROJECT_READ, kwargs=_requirement_version("shared", 2)),
        # The wording before submission: never shown to the client.
        Rule(variant="never-shown", get=INTERNAL_READ, kwargs=_requirement_version("shared", 1),
             unknown=_requirement_version("shared", UNKNOWN_NUMBER)),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_requirement_version("draft", 1),
             unknown=_requirement_version("draft", UNKNOWN_NUMBER)),
    ],
    "requirements:diff": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_requirement("shared")),
        Rule(variant="never-shown", get=INTERNAL_READ, kwargs=_requirement("shared"),
             query="?from=1&to=2"),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_requirement("draft"),
             unknown=_no_requirement),
    ],
    "requirements:comment-create": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_requirement("shared"), writes=("POST",),
             writers=writers("alice", "bob", "carol", "dave")),
        Rule(variant="draft", get=POST_ONLY, kwargs=_requirement("draft"), writes=("POST",),
             writers=TEAM),
    ],
    "requirements:comment-delete": [
        Rule(variant="shared", get=roles(carol=403, bob=403, staff=403),
             kwargs=_requirement_item("shared", "shared_comment"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="internal", get=roles(carol=404, bob=403, staff=403),
             kwargs=_requirement_item("shared", "internal_comment"),
             unknown=_requirement_item("shared", None), writes=("POST",), writers=MANAGER),
    ],
    "requirements:link-create": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_requirement("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="draft", get=POST_ONLY, kwargs=_requirement("draft"), writes=("POST",),
             writers=TEAM),
    ],
    "requirements:link-delete": [
        # The link points at a draft: clients do not see it.
        Rule(get=EDIT_INTERNAL, kwargs=_requirement_item("shared", "link"),
             unknown=_requirement_item("shared", None), writes=("POST",), writers=TEAM),
    ],
    "requirements:criterion-verify": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_requirement_item("shared", "criterion"),
             writes=("POST",), writers=TEAM),
        Rule(variant="draft", get=POST_ONLY,
             kwargs=_requirement_item("draft", "draft_criterion"), writes=("POST",),
             writers=TEAM),
    ],
    # Requirements: client review, decisions, baselines, traceability -----------------------
    "requirements:submit": [
        Rule(get=MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER),
        Rule(variant="preselected", get=MANAGE, kwargs=_acme, query="?r=1&r=2&r=9999"),
    ],
    "requirements:review": [
        Rule(get=PROJECT_READ, kwargs=_acme, writes=("POST",), writers=APPROVER),
    ],
    "requirements:confirm": DECISION_RULES,
    "requirements:return": DECISION_RULES,
    "requirements:reject": DECISION_RULES,
    "requirements:baselines": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&sort=name"),
    ],
    "requirements:baseline-create": [
        Rule(get=MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER)
    ],
    "requirements:baseline-compare": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="with-today", get=PROJECT_READ, kwargs=_acme, query="?to=current"),
        Rule(variant="unknown-baseline", get=roles(carol=400, bob=400, alice=400, staff=400),
             kwargs=_acme, query="?from=9999"),
    ],
    "requirements:baseline-detail": [
        Rule(get=PROJECT_READ, kwargs=_baseline, unknown=_no_baseline),
    ],
    "requirements:traceability": [
        Rule(get=roles(carol=403), kwargs=_acme),
        Rule(variant="gaps", get=roles(carol=403), kwargs=_acme,
             query="?gap=no_links&status=draft&q=INTERNAL&sort=-criteria"),
    ],
    # Risks: register, heat map, forms, a risk's page and its reviews and actions ---------------
    "risks:list": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&status=active&level=critical&owner=none&sort=-due"),
        Rule(variant="heat-map-cell", get=PROJECT_READ, kwargs=_acme,
             query="?probability=4&impact=4&status=active"),
    ],
    "risks:heatmap": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="every-state", get=PROJECT_READ, kwargs=_acme, query="?all=1"),
    ],
    "risks:create": [Rule(get=EDIT, kwargs=_acme, writes=("POST",), writers=TEAM)],
    "risks:thresholds": [Rule(get=MANAGE, kwargs=_acme, writes=("POST",), writers=MANAGER)],
    "risks:detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_risk("shared")),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_risk("internal"), unknown=_no_risk),
    ],
    "risks:edit": [
        Rule(variant="shared", get=EDIT, kwargs=_risk("shared"), writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_risk("internal"), unknown=_no_risk,
             writes=("POST",), writers=TEAM),
    ],
    "risks:delete": [
        Rule(variant="shared", get=MANAGE, kwargs=_risk("shared"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="internal", get=roles(carol=404, bob=403, staff=403),
             kwargs=_risk("internal"), unknown=_no_risk, writes=("POST",), writers=MANAGER),
    ],
    "risks:review": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_risk("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="internal", get=POST_ONLY, kwargs=_risk("internal"), unknown=_no_risk,
             writes=("POST",), writers=TEAM),
    ],
    "risks:action-create": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_risk("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="internal", get=POST_ONLY, kwargs=_risk("internal"), unknown=_no_risk,
             writes=("POST",), writers=TEAM),
    ],
    "risks:action-complete": [
        Rule(variant="shared", get=POST_ONLY, kwargs=_risk_action("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="internal", get=POST_ONLY, kwargs=_risk_action("internal"),
             unknown=_no_risk_action, writes=("POST",), writers=TEAM),
    ],
    "risks:action-delete": [
        Rule(variant="shared", get=EDIT, kwargs=_risk_action("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_risk_action("internal"),
             unknown=_no_risk_action, writes=("POST",), writers=TEAM),
    ],
    "risks:problem-from-risk": [
        Rule(variant="shared", get=EDIT, kwargs=_risk("shared"), writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_risk("internal"), unknown=_no_risk,
             writes=("POST",), writers=TEAM),
    ],
    # Problems: list, forms, a problem's page ---------------------------------------------------
    "risks:problems": [
        Rule(get=PROJECT_READ, kwargs=_acme),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_acme,
             query="?q=INTERNAL-SECRET&status=unsolved&overdue=on&owner=none&sort=-due"),
    ],
    "risks:problem-create": [Rule(get=EDIT, kwargs=_acme, writes=("POST",), writers=TEAM)],
    "risks:problem-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_problem("shared")),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_problem("internal"),
             unknown=_no_problem),
    ],
    "risks:problem-edit": [
        Rule(variant="shared", get=EDIT, kwargs=_problem("shared"), writes=("POST",),
             writers=TEAM),
        Rule(variant="internal", get=EDIT_INTERNAL, kwargs=_problem("internal"),
             unknown=_no_problem, writes=("POST",), writers=TEAM),
    ],
    "risks:problem-delete": [
        Rule(variant="shared", get=MANAGE, kwargs=_problem("shared"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="internal", get=roles(carol=404, bob=403, staff=403),
             kwargs=_problem("internal"), unknown=_no_problem, writes=("POST",),
             writers=MANAGER),
    ],
    # Risks across projects: organisation staff only ------------------------------------------
    "risks_org:list": [
        Rule(get=roles(mallory=403, carol=403, bob=403, alice=403, staff=200)),
    ],
    # API --------------------------------------------------------------------------------------
    "api:api-root": [Rule(get=API_SIGNED_IN)],
    "api:me": [Rule(get=API_SIGNED_IN, writes=("PATCH",), writers=SIGNED_IN)],
    "api:not-found": [Rule(get=everyone(404), kwargs=lambda world: {"path": "v1/no-such-thing/"})],
    "api:project-list": [
        Rule(get=API_SIGNED_IN, writes=("POST",), writers=CREATORS),
        Rule(variant="search-other-project", get=API_SIGNED_IN, query="?search=EVIL"),
    ],
    "api:project-detail": [
        Rule(get=PROJECT_READ, kwargs=_acme, writes=("PATCH", "PUT"), writers=MANAGER)
    ],
    "api:project-membership-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project,
             writes=("POST",), writers=MANAGER)
    ],
    "api:project-membership-detail": [
        Rule(get=PROJECT_READ, kwargs=_api_membership,
             writes=("PATCH", "DELETE"), writers=MANAGER)
    ],
    "api:project-milestone-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project,
             writes=("POST",), writers=TEAM),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_api_project,
             query="?search=INTERNAL&ordering=-due_date"),
    ],
    "api:project-milestone-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_shared,
             writes=("PATCH", "DELETE"), writers=TEAM),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_internal,
             unknown=_api_no_milestone, writes=("PATCH", "DELETE"), writers=TEAM),
    ],
    "api:project-invitation-list": [
        Rule(get=MANAGE, kwargs=_api_project,
             writes=("POST",), writers=MANAGER)
    ],
    "api:project-invitation-detail": [
        Rule(get=MANAGE, kwargs=_api_invitation,)
    ],
    "api:project-invitation-revoke": [
        Rule(get=roles(carol=403, bob=403, alice=405, staff=403), kwargs=_api_invitation,
             writes=("POST",), writers=MANAGER)
    ],
    "api:project-audit-record-list": [
        Rule(get=INTERNAL_READ, kwargs=_api_project,)
    ],
    "api:project-audit-record-detail": [
        Rule(get=INTERNAL_READ, kwargs=_api_audit_record,)
    ],
    "api:project-requirement-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project, writes=("POST",), writers=TEAM),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_api_project,
             query="?q=INTERNAL-SECRET&ordering=-priority"),
    ],
    "api:project-requirement-bulk-tag": [
        Rule(get=API_POST_ONLY, kwargs=_api_project, writes=("POST",), writers=TEAM)
    ],
    "api:project-requirement-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared"),
             writes=("PATCH",), writers=TEAM),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement, writes=("PATCH",), writers=TEAM),
    ],
    "api:project-requirement-confirm": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_req("shared"),
             writes=("POST",), writers=APPROVER),
        Rule(variant="draft", get=API_POST_ONLY, kwargs=_api_req("draft"), writes=("POST",)),
    ],
    "api:project-requirement-decisions": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement),
    ],
    "api:project-requirement-diff": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement),
    ],
    "api:project-requirement-reject": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_req("shared"),
             writes=("POST",), writers=APPROVER),
        Rule(variant="draft", get=API_POST_ONLY, kwargs=_api_req("draft"), writes=("POST",)),
    ],
    "api:project-requirement-return": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_req("shared"),
             writes=("POST",), writers=APPROVER),
        Rule(variant="draft", get=API_POST_ONLY, kwargs=_api_req("draft"), writes=("POST",)),
    ],
    "api:project-requirement-transition": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_req("shared"),
             writes=("POST",), writers=writers("alice", "bob", "dave")),
        Rule(variant="draft", get=API_POST_ONLY, kwargs=_api_req("draft"),
             writes=("POST",), writers=TEAM),
    ],
    "api:requirement-version-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement),
    ],
    "api:requirement-version-detail": [
        Rule(variant="shown", get=PROJECT_READ, kwargs=_api_version("shared", 2)),
        Rule(variant="never-shown", get=INTERNAL_READ, kwargs=_api_version("shared", 1),
             unknown=_api_no_version),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_version("draft", 1),
             unknown=lambda world: {**_api_no_requirement(world), "version": 1}),
    ],
    "api:requirement-criterion-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement),
    ],
    "api:requirement-criterion-verify": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_criterion("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="draft", get=API_POST_ONLY_INTERNAL, kwargs=_api_criterion("draft"),
             unknown=_api_no_requirement_criterion, writes=("POST",), writers=TEAM),
    ],
    "api:requirement-comment-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared"),
             writes=("POST",), writers=writers("alice", "bob", "carol", "dave")),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement, writes=("POST",), writers=TEAM),
    ],
    "api:requirement-comment-detail": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_comment("shared_comment"),
             writes=("DELETE",), writers=MANAGER),
        Rule(variant="internal", get=API_POST_ONLY, kwargs=_api_comment("internal_comment"),
             writes=("DELETE",), writers=MANAGER),
    ],
    "api:requirement-link-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_req("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="draft", get=INTERNAL_READ, kwargs=_api_req("draft"),
             unknown=_api_no_requirement, writes=("POST",), writers=TEAM),
    ],
    "api:requirement-link-detail": [
        Rule(get=API_POST_ONLY, kwargs=_api_link, writes=("DELETE",), writers=TEAM)
    ],
    "api:project-submission-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project, writes=("POST",), writers=MANAGER)
    ],
    "api:project-confirmation-list": [
        Rule(get=API_POST_ONLY, kwargs=_api_project, writes=("POST",), writers=APPROVER)
    ],
    "api:project-baseline-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project, writes=("POST",), writers=MANAGER)
    ],
    "api:project-baseline-detail": [
        Rule(get=PROJECT_READ, kwargs=_api_baseline, unknown=_api_no_requirement)
    ],
    "api:project-baseline-compare": [
        Rule(get=PROJECT_READ, kwargs=_api_project, query="?from=1&to=current"),
        Rule(variant="unknown-baseline", get=roles(carol=400, bob=400, alice=400, staff=400),
             kwargs=_api_project, query=f"?from={UNKNOWN_NUMBER}"),
    ],
    "api:project-risk-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project, writes=("POST",), writers=TEAM),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_api_project,
             query="?q=INTERNAL-SECRET&ordering=-score"),
    ],
    "api:project-risk-heat-map": [
        Rule(get=PROJECT_READ, kwargs=_api_project),
        Rule(variant="every-state", get=PROJECT_READ, kwargs=_api_project,
             query="?status=open&status=closed&status=occurred&status=monitoring"),
    ],
    "api:project-risk-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_risk("shared"),
             writes=("PATCH",), writers=TEAM),
        Rule(variant="shared-delete", get=PROJECT_READ, kwargs=_api_risk("shared"),
             writes=("DELETE",), writers=MANAGER),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_risk("internal"),
             unknown=_api_no_risk, writes=("PATCH",), writers=TEAM),
        Rule(variant="internal-delete", get=INTERNAL_READ, kwargs=_api_risk("internal"),
             unknown=_api_no_risk, writes=("DELETE",), writers=MANAGER),
    ],
    "api:risk-review-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_risk("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_risk("internal"),
             unknown=_api_no_risk, writes=("POST",), writers=TEAM),
    ],
    "api:risk-action-list": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_risk("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_risk("internal"),
             unknown=_api_no_risk, writes=("POST",), writers=TEAM),
    ],
    "api:risk-action-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_risk_action("shared"),
             writes=("PATCH", "DELETE"), writers=TEAM),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_risk_action("internal"),
             unknown=_api_no_risk_action, writes=("PATCH", "DELETE"), writers=TEAM),
    ],
    "api:risk-action-complete": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_risk_action("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_api_risk_action("internal"),
             unknown=_api_no_risk_action, writes=("POST",), writers=TEAM),
    ],
    "api:project-risk-thresholds": [
        Rule(get=roles(carol=403), kwargs=_api_project, writes=("PUT",), writers=MANAGER)
    ],
    "api:project-risk-occurred": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_api_risk("shared"),
             writes=("POST",), writers=TEAM),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_api_risk("internal"),
             unknown=_api_no_risk, writes=("POST",), writers=TEAM),
    ],
    "api:project-problem-list": [
        Rule(get=PROJECT_READ, kwargs=_api_project, writes=("POST",), writers=TEAM),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_api_project,
             query="?q=INTERNAL-SECRET&status=open&overdue=false&ordering=-due_date"),
    ],
    "api:project-problem-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_api_problem("shared"),
             writes=("PATCH",), writers=TEAM),
        Rule(variant="shared-delete", get=PROJECT_READ, kwargs=_api_problem("shared"),
             writes=("DELETE",), writers=MANAGER),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_api_problem("internal"),
             unknown=_api_no_problem, writes=("PATCH",), writers=TEAM),
        Rule(variant="internal-delete", get=INTERNAL_READ, kwargs=_api_problem("internal"),
             unknown=_api_no_problem, writes=("DELETE",), writers=MANAGER),
    ],
    "api:notification-list": [
        Rule(get=API_SIGNED_IN),
        Rule(variant="unread", get=API_SIGNED_IN, query="?unread=true"),
    ],
    "api:notification-read-all": [
        Rule(get=PERSONAL_POST_ONLY, writes=("POST",), writers=SIGNED_IN)
    ],
    "api:notification-read": [
        Rule(variant="someone-elses", get=PERSONAL_POST_ONLY, kwargs=_api_alices_notification,
             writes=("POST",), writers=MANAGER),
        Rule(variant="own", get=PERSONAL_POST_ONLY, kwargs_for=_api_own_notification,
             writes=("POST",), writers=SIGNED_IN),
    ],
    # The schema and its docs page describe the API, not anyone's data: public.
    "api:schema": [Rule(get=PUBLIC)],
    "api:docs": [Rule(get=PUBLIC)],
}  # fmt: skip
# Each domain keeps its own part of the table next to its world (tests/walk_<domain>.py).
for part in (
    walk_changes,
    walk_changes_api,
    walk_delivery,
    walk_delivery_api,
    walk_delivery_insights,
):
    TABLE.update(part.TABLE)

ROUTES = project_routes()


def _cases() -> list[Any]:
    cases = []
    for route in ROUTES:
        if route.name == "admin":
            continue
        rules = TABLE.get(route.name)
        if rules is None:
            cases.append(pytest.param(route, None, "-", id=f"{route.name}-UNLISTED"))
            continue
        for rule in rules:
            label = f"{route.name}[{rule.variant}]" if rule.variant else route.name
            for persona in PERSONAS:
                cases.append(pytest.param(route, rule, persona, id=f"{label}-{persona}"))
    return cases


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The personas and their objects, created once and rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def walk(world: World, db: None, client: Any) -> Any:
    # Throttles count per process; every case starts with fresh counters.
    cache.clear()
    return world


def _sign_in(client: Any, world: World, persona: str, route: Route) -> dict[str, str]:
    """Pages use a session, the API a personal token; anonymous visitors neither."""
    if persona == "anonymous":
        return {}
    if route.is_api:
        return {"HTTP_AUTHORIZATION": f"Token {world.tokens[persona]}"}
    client.force_login(world.users[persona])
    return {}


def _assert_no_leak(response: Any, persona: str, what: str, rule: Rule) -> None:
    text = body_text(response)
    for marker in set(FORBIDDEN_TEXT[persona]) - set(rule.reveals):
        assert marker not in text, f"{what} as {persona} shows “{marker}”, which it may not see"


def _send(client: Any, method: str, url: str, route: Route, headers: dict[str, str]) -> Any:
    if method == "DELETE":
        return client.delete(url, **headers)
    if route.is_api:
        return client.generic(method, url, "{}", content_type="application/json", **headers)
    return client.generic(method, url, "", content_type="application/x-www-form-urlencoded",
                          **headers)  # fmt: skip


@pytest.mark.parametrize(("route", "rule", "persona"), _cases())
def test_persona_gets_what_the_role_allows(
    route: Route, rule: Rule | None, persona: str, walk: World, client: Any
) -> None:
    if rule is None:
        pytest.fail(
            f"Route {route.name!r} ({route.pattern}) is not in the authorization table: "
            "add it to the authorization table in tests/test_authorization_walk.py"
        )
    headers = _sign_in(client, walk, persona, route)
    url_kwargs = rule.url_kwargs(walk, persona)
    url = reverse(route.name, kwargs=url_kwargs) + rule.query
    expected = rule.get[persona]

    response = client.get(url, **headers)
    assert response.status_code < 500, f"GET {url} as {persona}: {describe(response)}"
    assert matches(response, expected, route), (
        f"GET {url} as {persona}: expected {_show(expected)}, got {describe(response)}"
    )
    _assert_no_leak(response, persona, f"GET {url}", rule)

    if expected == outcome(404):
        unknown_kwargs = rule.unknown_kwargs(walk, persona)
        if unknown_kwargs is not None:
            unknown_url = reverse(route.name, kwargs=unknown_kwargs) + rule.query
            unknown = client.get(unknown_url, **headers)
            assert unknown.status_code == 404, f"GET {unknown_url}: {describe(unknown)}"
            known_text = normalised(response, url, url_kwargs)
            assert known_text == normalised(unknown, unknown_url, unknown_kwargs), (
                f"GET {url} as {persona} answers a 404 that differs from an unknown object's"
            )

    for method in rule.writes:
        before = fingerprint()
        response = _send(client, method, url, route, headers)
        assert response.status_code < 500, f"{method} {url} as {persona}: {describe(response)}"
        _assert_no_leak(response, persona, f"{method} {url}", rule)
        if persona in rule.writers:
            refused = response.status_code in REFUSED or is_login_wall(response, route)
            assert not refused, f"{method} {url} as {persona} was refused: {describe(response)}"
            continue
        denial = _denial(expected, persona, url_kwargs)
        assert matches(response, denial, route), (
            f"{method} {url} as {persona}: expected {_show(denial)}, got {describe(response)}"
        )
        assert fingerprint() == before, f"{method} {url} as {persona} changed data"


def _denial(expected: Any, persona: str, url_kwargs: dict[str, Any]) -> Any:
    """How a refused write must look: the sign-in wall; 404 for whoever may not see the
    project or object; otherwise 403 (or 404)."""
    if expected == LOGIN:
        return LOGIN
    outsider = persona == "mallory" and ({"key", "project_key"} & set(url_kwargs))
    if expected == outcome(404) or outsider:
        return outcome(404)
    return outcome((403, 404))


def _show(expected: Any) -> str:
    if expected == LOGIN:
        return "the sign-in wall"
    return " or ".join(str(code) for code in sorted(expected))


# The admin site: one rule for all its routes ------------------------------------------------


def _admin_urls() -> list[str]:
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("persona", ADMIN_PERSONAS)
def test_only_superusers_administer(persona: str, walk: World, client: Any) -> None:
    if persona != "anonymous":
        client.force_login(walk.users[persona])
    login = reverse("admin:login")
    for url in _admin_urls():
        response = client.get(url)
        if persona == "root":
            assert response.status_code == 200, f"GET {url} as root: {describe(response)}"
        elif persona == "staff" and url != reverse("admin:index"):
            # Staff (PMO) may open the admin site but hold no model permission there.
            assert response.status_code == 403, f"GET {url} as staff: {describe(response)}"
        elif persona == "staff":
            assert response.status_code == 200
            assert "/change/" not in body_text(response), "staff sees admin models"
        else:
            assert response.status_code == 302, f"GET {url} as {persona}: {describe(response)}"
            assert response["Location"].startswith(login), describe(response)


def test_every_table_entry_is_a_route() -> None:
    """Entries of removed or renamed routes would silently test nothing."""
    names = {route.name for route in ROUTES}
    stale = sorted(set(TABLE) - names)
    assert not stale, f"Routes in the authorization table that no longer exist: {stale}"


def test_the_walk_sees_the_api_and_the_admin() -> None:
    names = {route.name for route in ROUTES}
    assert "admin" in names
    assert any(name.startswith("api:") for name in names)
    assert all(not route.pattern.startswith("static/") for route in ROUTES)
