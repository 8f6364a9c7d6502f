"""Machinery of the authorization walk: every route of the project, the personas' world and
the outcomes a persona may get.

The table itself lives in `test_authorization_walk.py`; this module only knows how to find
routes, build the shared world once and judge a response.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# Personas in the order their test cases are listed. `anonymous` has no user.
PERSONAS = ("anonymous", "mallory", "carol", "dave", "bob", "vera", "alice", "staff")
# Only the admin rule also asks a superuser.
ADMIN_PERSONAS = (*PERSONAS, "root")

# The sign-in wall: a redirect to the login page for pages, 401 or 403 for the API.
LOGIN = "login"
UNKNOWN_KEY = "NOPE"
UNKNOWN_NUMBER = 9999

# Marker texts planted in objects a persona must never see.
INTERNAL_MARKER = "INTERNAL-SECRET-milestone"
SHARED_MARKER = "SHARED-ACME-milestone"
EVIL_MARKER = "EVIL-SECRET-project"
EVIL_ITEM_MARKER = "EVIL-SECRET-milestone"
ACME_NAME = "Customer portal"
INVITEE_EMAIL = "invitee-acme@example.com"
# Requirements: a draft, the wording of a version never shown to the client, an internal
# comment; and their shared counterparts.
REQUIREMENT_INTERNAL_MARKER = "INTERNAL-SECRET-requirement"
WORDING_INTERNAL_MARKER = "INTERNAL-SECRET-wording"
COMMENT_INTERNAL_MARKER = "INTERNAL-SECRET-comment"
REQUIREMENT_SHARED_MARKER = "SHARED-ACME-requirement"
COMMENT_SHARED_MARKER = "SHARED-ACME-comment"
REQUIREMENTS_INTERNAL = (
    REQUIREMENT_INTERNAL_MARKER,
    WORDING_INTERNAL_MARKER,
    COMMENT_INTERNAL_MARKER,
)
# Risks: an internal risk (its review note and response action carry the marker too) and a
# shared one.
RISK_INTERNAL_MARKER = "INTERNAL-SECRET-risk"
RISK_SHARED_MARKER = "SHARED-ACME-risk"
# Problems: an internal problem and a shared one (the shared one links the internal risk and the
# draft requirement, which clients must not see through it).
PROBLEM_INTERNAL_MARKER = "INTERNAL-SECRET-problem"
PROBLEM_SHARED_MARKER = "SHARED-ACME-problem"
# Change requests: an internal draft of the team and a shared (submitted) one.
CHANGE_INTERNAL_MARKER = "INTERNAL-SECRET-change"
CHANGE_SHARED_MARKER = "SHARED-ACME-change"
# Tasks are internal: clients see milestone summaries, never a task.
TASK_INTERNAL_MARKER = "INTERNAL-SECRET-task"

ALL_ACME = (
    ACME_NAME,
    SHARED_MARKER,
    INTERNAL_MARKER,
    INVITEE_EMAIL,
    *REQUIREMENTS_INTERNAL,
    REQUIREMENT_SHARED_MARKER,
    COMMENT_SHARED_MARKER,
    RISK_INTERNAL_MARKER,
    RISK_SHARED_MARKER,
    PROBLEM_INTERNAL_MARKER,
    PROBLEM_SHARED_MARKER,
    CHANGE_INTERNAL_MARKER,
    CHANGE_SHARED_MARKER,
    TASK_INTERNAL_MARKER,
)
ALL_EVIL = (EVIL_MARKER, EVIL_ITEM_MARKER)
FORBIDDEN_TEXT: dict[str, tuple[str, ...]] = {
    "anonymous": ALL_ACME + ALL_EVIL,
    "mallory": ALL_ACME,
    "carol": (
        INTERNAL_MARKER,
        INVITEE_EMAIL,
        *REQUIREMENTS_INTERNAL,
        RISK_INTERNAL_MARKER,
        PROBLEM_INTERNAL_MARKER,
        CHANGE_INTERNAL_MARKER,
        TASK_INTERNAL_MARKER,
        *ALL_EVIL,
    ),
    "dave": (
        INTERNAL_MARKER,
        INVITEE_EMAIL,
        *REQUIREMENTS_INTERNAL,
        RISK_INTERNAL_MARKER,
        PROBLEM_INTERNAL_MARKER,
        CHANGE_INTERNAL_MARKER,
        TASK_INTERNAL_MARKER,
        *ALL_EVIL,
    ),
    "bob": ALL_EVIL,
    "vera": ALL_EVIL,
    "alice": ALL_EVIL,
    "staff": (),
    "root": (),
}


# Routes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One named route of the URL configuration (the admin site counts as one route)."""

    name: str
    pattern: str

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _excluded(pattern: str) -> bool:
    """Static and media files are served by WhiteNoise or the web server, not by views."""
    prefixes = [settings.STATIC_URL, getattr(settings, "MEDIA_URL", "")]
    return any(p and pattern.startswith(p.strip("/") + "/") for p in prefixes)


def _walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = entry.name
            if name is None:
                yield f"<unnamed route {pattern}>", pattern
            else:
                yield (f"{namespace}:{name}" if namespace else name), pattern


def project_routes() -> list[Route]:
    """Every route once by name, in URL configuration order; the admin site as `admin`."""
    routes: dict[str, Route] = {}
    for name, pattern in _walk(get_resolver().url_patterns, "", None):
        if _excluded(pattern):
            continue
        if name.startswith("admin:") or pattern.startswith("admin/"):
            name = "admin"
        # Format-suffix variants of DRF routes repeat a name: the first pattern stands for all.
        routes.setdefault(name, Route(name=name, pattern=pattern))
    return list(routes.values())


# Expectations --------------------------------------------------------------------------------

Outcome = str | frozenset[int]


def outcome(value: int | tuple[int, ...] | str) -> Outcome:
    if isinstance(value, str):
        return value
    return frozenset(value if isinstance(value, tuple) else (value,))


def roles(
    *,
    anonymous: Any = LOGIN,
    mallory: Any = 404,
    carol: Any = 200,
    dave: Any = None,
    bob: Any = 200,
    vera: Any = None,
    alice: Any = 200,
    staff: Any = 200,
) -> dict[str, Outcome]:
    """What each persona gets; dave defaults to carol (both clients), vera to bob."""
    values = {
        "anonymous": anonymous,
        "mallory": mallory,
        "carol": carol,
        "dave": carol if dave is None else dave,
        "bob": bob,
        "vera": bob if vera is None else vera,
        "alice": alice,
        "staff": staff,
    }
    return {persona: outcome(value) for persona, value in values.items()}


def everyone(value: Any) -> dict[str, Outcome]:
    return dict.fromkeys(PERSONAS, outcome(value))


@dataclass(frozen=True)
class Rule:
    """How to reach a route and what every persona gets from it.

    `get` is the outcome of a GET per persona. `writes` lists the unsafe methods to try with an
    empty body: personas in `writers` must not be refused (401/403/404/405 or the sign-in
    wall); everyone else must be refused and nothing may change. `unknown` gives the arguments
    of an object that does not exist: a 404 for a hidden object must look exactly like it.
    """

    get: dict[str, Outcome]
    kwargs: Callable[[Any], dict[str, Any]] | None = None
    writes: tuple[str, ...] = ()
    writers: frozenset[str] = frozenset()
    unknown: Callable[[Any], dict[str, Any]] | None = None
    variant: str = ""
    query: str = ""
    # Marker texts this route may show to everyone who reaches it (e.g. an invitation link
    # names its project to whoever holds it).
    reveals: tuple[str, ...] = ()
    # Persona-specific argument builders, e.g. a route that shows one's own token.
    kwargs_for: Callable[[Any, str], dict[str, Any]] | None = field(default=None)

    def url_kwargs(self, world: Any, persona: str) -> dict[str, Any]:
        if self.kwargs_for is not None:
            return self.kwargs_for(world, persona)
        return self.kwargs(world) if self.kwargs else {}

    def unknown_kwargs(self, world: Any, persona: str) -> dict[str, Any] | None:
        if self.unknown is not None:
            return self.unknown(world)
        found = self.url_kwargs(world, persona)
        for name in ("key", "project_key"):
            if name in found:
                return {**found, name: UNKNOWN_KEY}
        return None


def writers(*names: str) -> frozenset[str]:
    return frozenset(names)


# Judging responses ---------------------------------------------------------------------------

REFUSED = frozenset({401, 403, 404, 405})


def is_login_wall(response: Any, route: Route) -> bool:
    if route.is_api:
        return response.status_code in (401, 403)
    login = settings.LOGIN_URL
    if not login.startswith("/"):
        from django.urls import reverse

        login = reverse(login)
    return response.status_code == 302 and response["Location"].startswith(login + "?next=")


def describe(response: Any) -> str:
    where = response.get("Location", "")
    return f"{response.status_code}{' → ' + where if where else ''}"


def matches(response: Any, expected: Outcome, route: Route) -> bool:
    if expected == LOGIN:
        return is_login_wall(response, route)
    assert isinstance(expected, frozenset)
    return response.status_code in expected


def body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    text = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        # JSON escapes non-ASCII text; compare markers against the decoded document.
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text + "\n" + response.get("Location", "")


# Django's masked CSRF tokens: 64 letters and digits, different in every response.
# "3 minutes ago" may turn into "4 minutes ago" between two requests of one comparison.
_RELATIVE_TIME = re.compile(r"<time [^>]*>.*?</time>", re.S)
_CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def normalised(response: Any, url: str, kwargs: dict[str, Any]) -> str:
    """A response body without the request path, the key or number asked for (an error page
    may repeat what the user typed) and the per-request CSRF token."""
    text = body_text(response).replace(url, "<url>")
    for value in kwargs.values():
        if isinstance(value, str) and value.isupper():
            text = text.replace(value, "<key>")
    text = _RELATIVE_TIME.sub("<time>", text)
    return _CSRF_TOKEN.sub("<csrf>", text)


# Outcome shapes shared by many routes.
PROJECT_READ = roles()  # everyone in ACME and staff; outsiders 404
INTERNAL_READ = roles(carol=404)  # clients: as if it did not exist
MANAGE = roles(carol=403, bob=403, staff=403)  # the project manager only
EDIT = roles(carol=403, vera=403, staff=403)  # the team: manager and members
EDIT_INTERNAL = roles(carol=404, vera=403, staff=403)
POST_ONLY = roles(mallory=405, carol=405, bob=405, alice=405, staff=405)
CREATORS = writers("alice", "mallory", "staff")  # staff and people who manage a project
MANAGER = writers("alice")
TEAM = writers("alice", "bob")
API_SIGNED_IN = roles(mallory=200)
APPROVER = writers("dave")  # a client member with signing authority
# API routes that only take writes: GET answers 405 to whoever may see the project (and, below
# something clients may not see, the same 404 as for an unknown object).
API_POST_ONLY = roles(carol=405, bob=405, alice=405, staff=405)
API_POST_ONLY_INTERNAL = roles(carol=404, bob=405, alice=405, staff=405)
# A POST-only personal action: GET is 405 for every signed-in user.
PERSONAL_POST_ONLY = roles(mallory=405, carol=405, bob=405, alice=405, staff=405)


# The world -----------------------------------------------------------------------------------


@dataclass
class World:
    """The personas of `accord.core.testing` plus the objects the table's URLs point at."""

    personas: Any
    users: dict[str, Any]
    tokens: dict[str, str]
    token_objects: dict[str, Any]
    shared: Any
    internal: Any
    evil_milestone: Any
    membership: Any
    invitation: Any
    invitation_token: str
    audit_event: Any
    # Each signed-in persona's own notification; alice's names the internal milestone.
    notifications: dict[str, Any] = field(default_factory=dict)
    # The requirement detail routes' objects: "draft", "shared" (its v1 was never shown to the
    # client), "internal_comment" and "shared_comment" on the shared one, "link" from the
    # shared one to the draft, "criterion" and "draft_criterion".
    requirements: dict[str, Any] = field(default_factory=dict)
    # The risk routes' objects: "internal" and "shared" risks, each with a response action
    # ("internal_action", "shared_action").
    risks: dict[str, Any] = field(default_factory=dict)
    # The problem routes' objects: an "internal" and a "shared" problem.
    problems: dict[str, Any] = field(default_factory=dict)
    # The change request routes' objects (see tests/walk_changes.py).
    changes: dict[str, Any] = field(default_factory=dict)
    # The task routes' objects (see tests/walk_delivery.py).
    tasks: dict[str, Any] = field(default_factory=dict)
    # The crawler's hidden objects, and the items everyone in ACME reads that refer to some of
    # them (see add_crawler_world); empty for the walk.
    hidden: list[Hidden] = field(default_factory=list)
    references: list[Any] = field(default_factory=list)

    @property
    def project(self) -> Any:
        return self.personas.project

    @property
    def other_project(self) -> Any:
        return self.personas.other_project


def build_world() -> World:
    """Create the personas and the objects every persona's URLs point at (through services,
    so their audit records exist and carry the markers too)."""
    from accord.accounts.services import api_token_create
    from accord.accounts.tokens import digest_of
    from accord.core.choices import Visibility
    from accord.core.models import AuditEvent
    from accord.core.testing import make_personas
    from accord.notifications.models import Notification
    from accord.projects import services as project_services
    from accord.projects.choices import Role
    from accord.projects.models import Invitation

    personas = make_personas()
    alice, mallory = personas.alice, personas.mallory
    project_services.project_update(
        actor=mallory, project=personas.other_project, data={"name": EVIL_MARKER}
    )
    shared = project_services.milestone_create(
        actor=alice, project=personas.project, name=SHARED_MARKER, due_date=dt.date(2026, 6, 30)
    )
    internal = project_services.milestone_create(
        actor=alice,
        project=personas.project,
        name=INTERNAL_MARKER,
        due_date=dt.date(2026, 7, 31),
        visibility=Visibility.INTERNAL,
    )
    evil_milestone = project_services.milestone_create(
        actor=mallory,
        project=personas.other_project,
        name=EVIL_ITEM_MARKER,
        due_date=dt.date(2026, 8, 31),
    )
    # A known token, so the acceptance link can be built; the service keeps only its digest.
    invitation_token = "walk-invitation-token-0123456789abcdefghijklmnop"
    invitation = Invitation.objects.create(
        project=personas.project,
        email=INVITEE_EMAIL,
        role=Role.MEMBER,
        token_digest=digest_of(invitation_token),
        invited_by=alice,
        expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
    )
    root = type(alice).objects.create_superuser(
        email="root@example.com", password="walk-root-password", full_name="Root"
    )
    users = {name: getattr(personas, name) for name in PERSONAS if name != "anonymous"}
    users["root"] = root
    tokens, token_objects = {}, {}
    for name, user in users.items():
        token_objects[name], tokens[name] = api_token_create(user=user, name="walk")
    membership = personas.project.memberships.get(user=personas.bob)
    audit_event = AuditEvent.objects.filter(project_id=personas.project.pk).order_by("pk").last()
    requirements = _requirement_world(personas)
    risks = _risk_world(personas)
    problems = _problem_world(personas, risks, requirements)
    from tests import walk_changes, walk_delivery

    changes = walk_changes.build_world(personas, requirements, risks)
    tasks = walk_delivery.build_world(personas, requirements, risks, changes)
    notifications = {
        name: Notification.objects.create(
            recipient=user,
            project=personas.project if name != "mallory" else personas.other_project,
            kind="walk",
            title=INTERNAL_MARKER if name == "alice" else f"Notification of {name}",
            url=internal.get_absolute_url() if name == "alice" else "/p/",
        )
        for name, user in users.items()
    }
    return World(
        personas=personas,
        users=users,
        tokens=tokens,
        token_objects=token_objects,
        shared=shared,
        internal=internal,
        evil_milestone=evil_milestone,
        membership=membership,
        invitation=invitation,
        invitation_token=invitation_token,
        audit_event=audit_event,
        notifications=notifications,
        requirements=requirements,
        risks=risks,
        problems=problems,
        changes=changes,
        tasks=tasks,
    )


def _requirement_world(personas: Any) -> dict[str, Any]:
    """A draft requirement and a submitted one whose first wording the client never saw,
    with an internal and a shared comment and a link, all through the services."""
    from accord.requirements import services as requirement_services
    from accord.requirements.choices import Status
    from accord.requirements.tests.factories import advance, make_requirement

    alice, project = personas.alice, personas.project
    draft = make_requirement(project, title=REQUIREMENT_INTERNAL_MARKER)
    shared = make_requirement(
        project, title=REQUIREMENT_SHARED_MARKER, description=WORDING_INTERNAL_MARKER
    )
    requirement_services.requirement_update(
        actor=alice, requirement=shared, data={"description": "Reworded for the client."}
    )
    shared = advance(shared, Status.SUBMITTED)
    return {
        "draft": draft,
        "shared": shared,
        "internal_comment": requirement_services.comment_create(
            actor=alice, requirement=shared, body=COMMENT_INTERNAL_MARKER, visibility="internal"
        ),
        "shared_comment": requirement_services.comment_create(
            actor=alice, requirement=shared, body=COMMENT_SHARED_MARKER, visibility="shared"
        ),
        "link": requirement_services.link_create(
            actor=alice, source=shared, target=draft, kind="depends_on"
        ),
        "criterion": shared.criteria.order_by("position").first(),
        "draft_criterion": draft.criteria.order_by("position").first(),
        # Agreed scope frozen in a baseline, for the baseline pages.
        "agreed": make_requirement(
            project, title=f"{REQUIREMENT_SHARED_MARKER} agreed", status=Status.CONFIRMED
        ),
        "baseline": requirement_services.baseline_create(
            actor=alice, project=project, name=f"{REQUIREMENT_SHARED_MARKER} baseline"
        ),
    }


def _risk_world(personas: Any) -> dict[str, Any]:
    """An internal risk (reviewed, with an action) and a shared one, through the services."""
    from django.utils import timezone

    from accord.risks import services as risk_services

    alice, bob, project = personas.alice, personas.bob, personas.project
    due = timezone.localdate() + dt.timedelta(days=14)
    internal = risk_services.risk_create(
        actor=alice, project=project, title=RISK_INTERNAL_MARKER, category="resource",
        probability=3, impact=4, owner=bob,
    )  # fmt: skip
    risk_services.risk_review(
        actor=bob, risk=internal, probability=4, impact=4, note=f"{RISK_INTERNAL_MARKER} review"
    )
    shared = risk_services.risk_create(
        actor=alice, project=project, title=RISK_SHARED_MARKER, category="client",
        probability=2, impact=3, visibility="shared",
    )  # fmt: skip
    return {
        "internal": internal,
        "shared": shared,
        "internal_action": risk_services.action_create(
            actor=alice, risk=internal, description=f"{RISK_INTERNAL_MARKER} action", due_date=due
        ),
        "shared_action": risk_services.action_create(
            actor=alice, risk=shared, description=f"{RISK_SHARED_MARKER} action", due_date=due
        ),
    }


def _problem_world(
    personas: Any, risks: dict[str, Any], requirements: dict[str, Any]
) -> dict[str, Any]:
    """An internal problem from the internal risk, and a shared one that links the internal
    risk, the draft requirement and a team draft change request too (clients read none of them
    through it), through the services."""
    from django.utils import timezone

    from accord.changes import services as change_services
    from accord.risks import problem_services

    alice, bob, project = personas.alice, personas.bob, personas.project
    due = timezone.localdate() + dt.timedelta(days=10)
    # A team draft that came from the problems: internal, so its title carries the marker.
    change = change_services.change_create(
        actor=bob, project=project, title=f"{CHANGE_INTERNAL_MARKER} from a problem",
        type="modify_scope", reason=f"{CHANGE_INTERNAL_MARKER} problem reason",
    )  # fmt: skip
    internal = problem_services.problem_create(
        actor=alice, project=project, title=PROBLEM_INTERNAL_MARKER,
        root_cause=f"{PROBLEM_INTERNAL_MARKER} root cause", owner=bob, due_date=due,
        risk=risks["internal"], change_requests=[change],
    )  # fmt: skip
    shared = problem_services.problem_create(
        actor=alice, project=project, title=PROBLEM_SHARED_MARKER,
        description=f"{PROBLEM_SHARED_MARKER} what happened", due_date=due, visibility="shared",
        risk=risks["internal"], requirements=[requirements["draft"], requirements["shared"]],
        change_requests=[change],
    )  # fmt: skip
    return {"internal": internal, "shared": shared, "internal_change": change}


def fingerprint() -> tuple[Any, ...]:
    """Everything a write could change, cheaply: audit trail length and row versions."""
    from django.contrib.auth import get_user_model

    from accord.accounts.models import ApiToken
    from accord.changes.models import ApprovalPolicy, ChangeApproval, ChangeRequest
    from accord.core.models import AuditEvent
    from accord.delivery.models import Capacity, ChecklistItem, Task, TimeEntry, WipLimit
    from accord.notifications.models import Notification
    from accord.projects.models import Invitation, Membership, Milestone, Project
    from accord.risks.models import Problem, ResponseAction, Risk, RiskThresholds

    return (
        AuditEvent.objects.count(),
        tuple(Project.objects.order_by("pk").values_list("pk", "version")),
        tuple(Membership.objects.order_by("pk").values_list("pk", "version", "role")),
        tuple(Milestone.objects.order_by("pk").values_list("pk", "version")),
        tuple(Invitation.objects.order_by("pk").values_list("pk", "status")),
        tuple(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        tuple(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        tuple(Risk.objects.order_by("pk").values_list("pk", "version")),
        tuple(ResponseAction.objects.order_by("pk").values_list("pk", "version")),
        tuple(RiskThresholds.objects.order_by("pk").values_list("pk", "version")),
        tuple(Problem.objects.order_by("pk").values_list("pk", "version")),
        tuple(ChangeRequest.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(ChangeApproval.objects.order_by("pk").values_list("pk", "voided_at")),
        tuple(ApprovalPolicy.objects.order_by("pk").values_list("pk", "version")),
        tuple(Task.objects.order_by("pk").values_list("pk", "version", "status")),
        tuple(TimeEntry.objects.order_by("pk").values_list("pk", "version")),
        tuple(ChecklistItem.objects.order_by("pk").values_list("pk", "done")),
        tuple(WipLimit.objects.order_by("pk").values_list("pk", "limit")),
        tuple(Capacity.objects.order_by("pk").values_list("pk", "version")),
        tuple(
            get_user_model()
            .objects.order_by("pk")
            .values_list("pk", "password", "language", "full_name", "is_active")
        ),
    )


# The crawler's world -------------------------------------------------------------------------

# The number of every kind of item the crawler hides in ACME: no item anyone may see has it.
HIDDEN_NUMBER = 4711
# An id no row has: every table's ids start far below it (see _spread_ids).
UNKNOWN_PK = 999_999
_ID_BASE, _ID_STEP = 500_000, 1_000


@dataclass(frozen=True)
class Hidden:
    """A crawler object and the personas that may not see it. Its id names no other row of
    any table, so any route or filter given this id must answer as for an id nobody has."""

    label: str
    model: type
    pk: int
    hidden_from: frozenset[str]
    # Per-project number of a keyed item (ACME-R4711 → 4711); None for other rows.
    number: int | None = None
    project_key: str = ""
    key_prefix: str = ""


# Who may not see an object of the other project, and an internal object of ACME.
NOT_EVIL = frozenset({"anonymous", "carol", "dave", "bob", "vera", "alice"})
NOT_INTERNAL = frozenset({"anonymous", "mallory", "carol", "dave"})


def add_crawler_world(world: World) -> None:
    """Objects whose ids and numbers the crawler puts into every route and filter: the other
    project's items and rows, ACME's internal items (numbered HIDDEN_NUMBER) with their rows,
    someone else's token and notification, and a shared requirement whose parent is internal.
    Every table's ids first jump to a range of its own, so each id names exactly one row."""
    from django.utils import timezone

    from accord.accounts.services import api_token_create
    from accord.accounts.tests.factories import UserFactory
    from accord.changes import services as change_services
    from accord.core.models import AuditEvent, KeyedItem, ProjectCounter
    from accord.delivery import services as delivery_services
    from accord.notifications.models import Notification
    from accord.projects import services as project_services
    from accord.projects.choices import Role
    from accord.requirements import services as requirement_services
    from accord.requirements.tests.factories import make_requirement
    from accord.risks import problem_services
    from accord.risks import services as risk_services

    _spread_ids()
    personas = world.personas
    acme, evil = personas.project, personas.other_project
    alice, bob, mallory = personas.alice, personas.bob, personas.mallory
    for model in _keyed_models(KeyedItem):
        ProjectCounter.objects.update_or_create(
            project=acme, kind=model.KEY_PREFIX, defaults={"value": HIDDEN_NUMBER - 1}
        )
    due = timezone.localdate() + dt.timedelta(days=10)
    hidden: list[Hidden] = []

    def hide(label: str, obj: Any, hidden_from: frozenset[str]) -> Any:
        number = getattr(obj, "number", None) if isinstance(obj, KeyedItem) else None
        hidden.append(
            Hidden(
                label=label, model=type(obj), pk=obj.pk, hidden_from=hidden_from, number=number,
                project_key=obj.project.key if number else "",
                key_prefix=getattr(obj, "KEY_PREFIX", ""),
            )
        )  # fmt: skip
        return obj

    # The other project: one item of each kind and the rows under them, all marked.
    eve = hide("outsider", UserFactory(email="eve@example.com", full_name="Eve"), NOT_EVIL)
    hide("evil membership", project_services.membership_add(
        actor=mallory, project=evil, user=eve, role=Role.MEMBER), NOT_EVIL)  # fmt: skip
    hide("evil invitation", project_services.invitation_create(
        actor=mallory, project=evil, email="evil-invitee@example.com", role=Role.MEMBER),
        NOT_EVIL)  # fmt: skip
    hide("evil milestone", project_services.milestone_create(
        actor=mallory, project=evil, name=f"{EVIL_ITEM_MARKER} crawl", due_date=due),
        NOT_EVIL)  # fmt: skip
    evil_req = hide("evil requirement", make_requirement(
        evil, title=f"{EVIL_ITEM_MARKER} requirement", criteria=[
            {"style": "free", "text": f"{EVIL_ITEM_MARKER} criterion"}]), NOT_EVIL)  # fmt: skip
    hide("evil criterion", evil_req.criteria.get(), NOT_EVIL)
    evil_other = hide("evil requirement", make_requirement(
        evil, title=f"{EVIL_ITEM_MARKER} other requirement"), NOT_EVIL)  # fmt: skip
    hide("evil link", requirement_services.link_create(
        actor=mallory, source=evil_req, target=evil_other, kind="depends_on"),
        NOT_EVIL)  # fmt: skip
    hide("evil comment", requirement_services.comment_create(
        actor=mallory, requirement=evil_req, body=f"{EVIL_ITEM_MARKER} comment"),
        NOT_EVIL)  # fmt: skip
    evil_risk = hide("evil risk", risk_services.risk_create(
        actor=mallory, project=evil, title=f"{EVIL_ITEM_MARKER} risk", category="resource",
        probability=3, impact=3), NOT_EVIL)  # fmt: skip
    hide("evil action", risk_services.action_create(
        actor=mallory, risk=evil_risk, description=f"{EVIL_ITEM_MARKER} action", due_date=due),
        NOT_EVIL)  # fmt: skip
    hide("evil problem", problem_services.problem_create(
        actor=mallory, project=evil, title=f"{EVIL_ITEM_MARKER} problem", due_date=due),
        NOT_EVIL)  # fmt: skip
    hide("evil change", change_services.change_create(
        actor=mallory, project=evil, title=f"{EVIL_ITEM_MARKER} change", type="modify_scope",
        reason=f"{EVIL_ITEM_MARKER} reason"), NOT_EVIL)  # fmt: skip
    evil_task = hide("evil task", delivery_services.task_create(
        actor=mallory, project=evil, title=f"{EVIL_ITEM_MARKER} task",
        checklist=[f"{EVIL_ITEM_MARKER} step"]), NOT_EVIL)  # fmt: skip
    hide("evil checklist item", evil_task.checklist.get(), NOT_EVIL)
    hide("evil time entry", delivery_services.time_entry_create(
        actor=mallory, task=evil_task, date=timezone.localdate(), hours="1",
        note=f"{EVIL_ITEM_MARKER} time"), NOT_EVIL)  # fmt: skip
    hide("evil audit record", AuditEvent.objects.filter(project=evil).latest("pk"), NOT_EVIL)
    everyone_else = frozenset(PERSONAS) - {"mallory"}
    hide("someone else's token", api_token_create(user=mallory, name="crawl")[0], everyone_else)
    hide("someone else's notification", Notification.objects.create(
        recipient=mallory, project=evil, kind="walk", title=f"{EVIL_ITEM_MARKER} notification",
        url="/p/"), everyone_else)  # fmt: skip

    # ACME's internal items, each numbered HIDDEN_NUMBER, with the rows under them.
    hide("internal milestone", project_services.milestone_create(
        actor=alice, project=acme, name=f"{INTERNAL_MARKER} crawl", due_date=due,
        visibility="internal"), NOT_INTERNAL)  # fmt: skip
    draft = hide("draft requirement", make_requirement(
        acme, title=f"{REQUIREMENT_INTERNAL_MARKER} crawl", criteria=[
            {"style": "free", "text": f"{REQUIREMENT_INTERNAL_MARKER} criterion"}]),
        NOT_INTERNAL)  # fmt: skip
    hide("draft criterion", draft.criteria.get(), NOT_INTERNAL)
    hide("draft comment", requirement_services.comment_create(
        actor=alice, requirement=draft, body=f"{COMMENT_INTERNAL_MARKER} crawl",
        visibility="internal"), NOT_INTERNAL)  # fmt: skip
    risk = hide("internal risk", risk_services.risk_create(
        actor=alice, project=acme, title=f"{RISK_INTERNAL_MARKER} crawl", category="resource",
        probability=3, impact=3), NOT_INTERNAL)  # fmt: skip
    hide("internal action", risk_services.action_create(
        actor=alice, risk=risk, description=f"{RISK_INTERNAL_MARKER} crawl action",
        due_date=due), NOT_INTERNAL)  # fmt: skip
    hide("internal problem", problem_services.problem_create(
        actor=alice, project=acme, title=f"{PROBLEM_INTERNAL_MARKER} crawl", due_date=due),
        NOT_INTERNAL)  # fmt: skip
    hide("internal change", change_services.change_create(
        actor=bob, project=acme, title=f"{CHANGE_INTERNAL_MARKER} crawl", type="modify_scope",
        reason=f"{CHANGE_INTERNAL_MARKER} crawl reason"), NOT_INTERNAL)  # fmt: skip
    task = hide("task", delivery_services.task_create(
        actor=alice, project=acme, title=f"{TASK_INTERNAL_MARKER} crawl",
        checklist=[f"{TASK_INTERNAL_MARKER} crawl step"]), NOT_INTERNAL)  # fmt: skip
    hide("task checklist item", task.checklist.get(), NOT_INTERNAL)
    hide("task time entry", delivery_services.time_entry_create(
        actor=bob, task=task, date=timezone.localdate(), hours="1",
        note=f"{TASK_INTERNAL_MARKER} crawl time"), NOT_INTERNAL)  # fmt: skip
    # A reference field: a requirement the client reads whose parent it may not see.
    child = make_requirement(
        acme, title=f"{REQUIREMENT_SHARED_MARKER} child", parent=draft, status="submitted"
    )
    world.hidden = hidden
    world.references = [child]


def hidden_keys(world: World, persona: str) -> list[str]:
    """The keys of the crawler's hidden items (ACME-R4711, EVIL-K3) the persona may not see:
    no answer may name them, not even as a reference."""
    return [
        f"{h.project_key}-{h.key_prefix}{h.number}"
        for h in world.hidden
        if h.number is not None and persona in h.hidden_from
    ]


def _keyed_models(base: type) -> list[type]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, base) and m.KEY_PREFIX]


def _spread_ids() -> None:
    """Move every table's next id to a range of its own (_ID_BASE + i × _ID_STEP), so an id
    handed out from here on names one row of one table only. Inside the world's transaction
    on SQLite; PostgreSQL's sequences keep the jump (later tests only see larger ids)."""
    from django.apps import apps
    from django.db import connection

    models = sorted(
        (m for m in apps.get_models() if m._meta.managed and not m._meta.proxy
         and m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField")),
        key=lambda m: m._meta.db_table,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for index, model in enumerate(models):
            table, start = model._meta.db_table, _ID_BASE + index * _ID_STEP
            if connection.vendor == "sqlite":
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start]
                )
            else:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                    [table, model._meta.pk.column, start],
                )
