"""Reads of requirements and everything around them, through the visibility rules.

Clients see a requirement only while it is shared (submitted or later), only the versions they
have been shown, only shared comments, and only links between requirements they can see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from accord.core.choices import Visibility
from accord.projects import policies
from accord.projects.models import Project
from accord.requirements.choices import Decision, Status
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    BaselineItem,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
    RequirementVersion,
    Tag,
)


def requirement_list(*, user: Any, project: Project) -> QuerySet[Requirement]:
    """The project's requirements the user may see (clients: shared ones only)."""
    return Requirement.objects.visible_in(project, user).select_related("project")


def requirement_get(*, user: Any, project: Project, number: int) -> Requirement:
    requirement = (
        requirement_list(user=user, project=project)
        .select_related("current_version", "confirmed_version", "parent")
        .filter(number=number)
        .first()
    )
    if requirement is None:
        raise Http404
    return requirement


def requirement_get_for_update(*, user: Any, project: Project, number: int) -> Requirement:
    """A requirement the user may see, with its criteria and tags, for an edit form."""
    requirement = requirement_get(user=user, project=project, number=number)
    requirement.criteria_list = list(requirement.criteria.all())
    requirement.tag_names = list(requirement.tags.values_list("name", flat=True))
    return requirement


def criteria_of(requirement: Requirement) -> list[AcceptanceCriterion]:
    return list(requirement.criteria.select_related("verified_by").order_by("position"))


def version_list(*, user: Any, requirement: Requirement) -> QuerySet[RequirementVersion]:
    """Versions newest first; clients see only the versions they have been shown."""
    versions = requirement.versions.select_related("author").order_by("-number")
    if policies.can_view_internal(user, requirement.project):
        return versions
    return versions.filter(client_visible=True)


def version_get(*, user: Any, requirement: Requirement, number: int) -> RequirementVersion:
    version = version_list(user=user, requirement=requirement).filter(number=number).first()
    if version is None:
        raise Http404
    return version


def decision_list(*, requirement: Requirement) -> QuerySet[ClientDecision]:
    """Confirmations, returns and rejections; every one is shared with the client."""
    return requirement.decisions.select_related("decided_by", "version", "change_request").order_by(
        "-decided_at", "-id"
    )


def comment_list(*, user: Any, requirement: Requirement) -> QuerySet[Comment]:
    """The discussion of a requirement the user can see; clients read shared comments only."""
    comments = Comment.objects.visible_in(requirement.project, user)
    return (
        comments.filter(requirement=requirement)
        .select_related("author")
        .order_by("created_at", "id")
    )


def link_list(*, user: Any, requirement: Requirement) -> list[tuple[str, RequirementLink]]:
    """Links from and to a requirement the user can see, as ("out" | "in", link); clients see
    only links whose other end is shared too. Links never leave their project, so the other
    end's visibility is the whole rule (and stays an indexed join, however big the project)."""
    links = RequirementLink.objects.select_related("source", "target", "source__project")
    outgoing = links.filter(source=requirement)
    incoming = links.filter(target=requirement)
    if not policies.can_view_internal(user, requirement.project):
        outgoing = outgoing.filter(target__visibility=Visibility.SHARED)
        incoming = incoming.filter(source__visibility=Visibility.SHARED)
    return [("out", link) for link in outgoing] + [("in", link) for link in incoming]


def children_of(*, user: Any, requirement: Requirement) -> QuerySet[Requirement]:
    """The requirement's children the user can see; by parent alone, so the parent index
    answers it whatever the size of the project."""
    children = Requirement.objects.filter(parent=requirement).order_by("number")
    if not policies.can_view_internal(user, requirement.project):
        children = children.filter(visibility=Visibility.SHARED)
    return children


def tag_choices(*, project: Project) -> QuerySet[Tag]:
    return Tag.objects.filter(project=project).order_by("name")


def status_counts(*, user: Any, project: Project) -> dict[str, int]:
    """How many visible requirements are in each state; one query."""
    rows = (
        requirement_list(user=user, project=project)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    )
    return {row["status"]: row["count"] for row in rows}


def awaiting_client(*, user: Any, project: Project) -> QuerySet[Requirement]:
    """Requirements submitted to the client and not yet decided."""
    return (
        requirement_list(user=user, project=project)
        .filter(status=Status.SUBMITTED)
        .select_related("current_version")
        .order_by("number")
    )


def changed_since_confirmation(*, user: Any, project: Project) -> QuerySet[Requirement]:
    return requirement_list(user=user, project=project).filter(changed_since_confirmation=True)


def agreed_scope(project: Project) -> QuerySet[Requirement]:
    """The agreed scope: every requirement with a confirmed version that is not withdrawn. A
    requirement changed since its confirmation counts with the version the client confirmed."""
    return (
        Requirement.objects.filter(project=project, confirmed_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .order_by("number")
    )


def baseline_list(*, user: Any, project: Project) -> QuerySet[Baseline]:
    return (
        Baseline.objects.visible_in(project, user)
        .select_related("project", "created_by")
        .annotate(item_count=Count("items"))
        .order_by("-number")
    )


def baseline_get(*, user: Any, project: Project, number: int) -> Baseline:
    baseline = (
        Baseline.objects.visible_in(project, user)
        .select_related("project", "created_by")
        .filter(number=number)
        .first()
    )
    if baseline is None:
        raise Http404
    return baseline


def baseline_items(*, baseline: Baseline) -> QuerySet[BaselineItem]:
    return baseline.items.select_related("requirement", "version", "requirement__project").order_by(
        "requirement__number"
    )


def confirmation_of(version: RequirementVersion) -> ClientDecision | None:
    return (
        version.decisions.filter(decision=Decision.CONFIRMED).select_related("decided_by").first()
    )


def with_confirmations(versions: QuerySet[RequirementVersion]) -> QuerySet[RequirementVersion]:
    """Versions with their confirmations prefetched (one extra query in all)."""
    return versions.prefetch_related(
        Prefetch(
            "decisions",
            queryset=ClientDecision.objects.select_related("decided_by").filter(
                decision=Decision.CONFIRMED
            ),
            to_attr="confirmations",
        )
    )
