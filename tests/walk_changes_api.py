"""The authorization walk's table entries for changes api routes (the objects come from the
domain's tests/walk_<domain>.py world; see tests/test_authorization_walk.py)."""

from __future__ import annotations

from typing import Any

from tests.authorization import (
    API_POST_ONLY,
    API_POST_ONLY_INTERNAL,
    INTERNAL_READ,
    MANAGER,
    PROJECT_READ,
    TEAM,
    UNKNOWN_NUMBER,
    Rule,
    writers,
)


def _project(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME"}


def _cr(name: str) -> Any:
    return lambda world: {"project_key": "ACME", "number": world.changes[name].number}


def _no_cr(world: Any) -> dict[str, Any]:
    return {"project_key": "ACME", "number": UNKNOWN_NUMBER}


# Raising: the team and every client member; viewers and staff (no role) do not.
RAISERS = writers("alice", "bob", "carol", "dave")
# Steps on carol's shared request: the team, and carol who raised it.
STEPPERS = writers("alice", "bob", "carol")
# Deciding: whoever the approval policy names (the manager, the client approver).
DECIDERS = writers("alice", "dave")

TABLE: dict[str, list[Rule]] = {
    "api:project-change-list": [
        Rule(get=PROJECT_READ, kwargs=_project, writes=("POST",), writers=RAISERS),
        Rule(variant="search-internal", get=PROJECT_READ, kwargs=_project,
             query="?q=INTERNAL-SECRET&status=draft&type=modify_scope&ordering=-updated_at"),
    ],
    "api:project-change-detail": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_cr("shared"), writes=("PATCH",),
             writers=TEAM),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_cr("internal"), unknown=_no_cr,
             writes=("PATCH",), writers=TEAM),
    ],
    "api:project-change-transition": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_cr("shared"), writes=("POST",),
             writers=STEPPERS),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_cr("internal"),
             unknown=_no_cr, writes=("POST",), writers=TEAM),
    ],
    "api:project-change-decide": [
        Rule(variant="shared", get=API_POST_ONLY, kwargs=_cr("shared"), writes=("POST",),
             writers=DECIDERS),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_cr("internal"),
             unknown=_no_cr, writes=("POST",), writers=MANAGER),
    ],
    "api:project-change-apply": [
        Rule(variant="approved", get=API_POST_ONLY, kwargs=_cr("approved"), writes=("POST",),
             writers=MANAGER),
        Rule(variant="internal", get=API_POST_ONLY_INTERNAL, kwargs=_cr("internal"),
             unknown=_no_cr, writes=("POST",), writers=MANAGER),
    ],
    "api:project-change-impact": [
        Rule(variant="shared", get=PROJECT_READ, kwargs=_cr("shared")),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_cr("internal"), unknown=_no_cr),
    ],
    "api:project-change-approvals": [
        Rule(variant="approved", get=PROJECT_READ, kwargs=_cr("approved")),
        Rule(variant="internal", get=INTERNAL_READ, kwargs=_cr("internal"), unknown=_no_cr),
    ],
    "api:project-change-policy": [
        Rule(get=PROJECT_READ, kwargs=_project, writes=("PUT",), writers=MANAGER),
    ],
    "api:project-change-metrics": [Rule(get=PROJECT_READ, kwargs=_project)],
}  # fmt: skip
