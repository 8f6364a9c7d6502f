"""The traceability matrix: every requirement with what it is traced to, and the coverage gaps.

A row is a requirement with its acceptance-criteria count, whether its current content is
confirmed, and its links grouped by kind. Coverage gaps are named conditions in `GAPS`; the
page filters by them and counts each one. Tasks, change requests, documents and test evidence
join as later issues add those relations: each adds a column source in `attach_links`' manner
and a gap in `GAPS`, and the page picks them up. Tasks are there: each row counts its linked
tasks and the done ones, and "no tasks" is a gap.

Cost bound: the counts are one aggregate query, a page of rows one query (counts as
correlated subqueries evaluated for that page only, unless sorted by them), and the links of
the page one more query, however many requirements the project holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accord.projects.models import Project
from accord.requirements import selectors
from accord.requirements.choices import LinkKind, Status
from accord.requirements.models import AcceptanceCriterion, Requirement, RequirementLink

# Out of scope unless asked for by status: they are not going to be built.
INACTIVE_STATES = (Status.WITHDRAWN, Status.REJECTED)


def _has_criteria() -> Exists:
    return Exists(AcceptanceCriterion.objects.filter(requirement=OuterRef("pk")))


def _has_links() -> Q:
    return Q(Exists(RequirementLink.objects.filter(source=OuterRef("pk")))) | Q(
        Exists(RequirementLink.objects.filter(target=OuterRef("pk")))
    )


def _unconfirmed() -> Q:
    return Q(confirmed_version__isnull=True) | Q(changed_since_confirmation=True)


# Delivery: the tasks linked to a requirement (a requirement without one is a coverage gap).
def _tasks_of() -> QuerySet:
    from accord.delivery.models import Task

    return Task.requirements.through.objects.filter(requirement=OuterRef("pk"))


def _has_tasks() -> Exists:
    return Exists(_tasks_of())


def _task_count(*, done: bool = False) -> Coalesce:
    links = _tasks_of()
    if done:
        from accord.delivery.choices import TaskStatus

        links = links.filter(task__status=TaskStatus.DONE)
    counts = links.order_by().values("requirement").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class Gap:
    """A coverage gap: a name for the URL, a label, and the condition a requirement meets."""

    name: str
    label: Any
    condition: Callable[[], Any]


GAPS: dict[str, Gap] = {
    gap.name: gap
    for gap in (
        Gap("no_criteria", _("No acceptance criteria"), lambda: ~_has_criteria()),
        Gap("unconfirmed", _("Not confirmed by the client"), _unconfirmed),
        Gap("no_links", _("No links"), lambda: ~_has_links()),
        Gap("no_tasks", _("No tasks"), lambda: ~_has_tasks()),
    )
}

SORTS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "-number": ("-number",),
    "title": ("title", "number"),
    "status": ("status", "number"),
    "criteria": ("criteria_count", "number"),
    "-criteria": ("-criteria_count", "number"),
}

_NUMBER_RE = re.compile(r"^(?:[A-Z0-9]+-)?R?(\d{1,9})$", re.IGNORECASE)


def _criteria_count() -> Coalesce:
    counts = (
        AcceptanceCriterion.objects.filter(requirement=OuterRef("pk"))
        .order_by()
        .values("requirement")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def matrix_scope(*, user: Any, project: Project, status: str = "", q: str = "") -> QuerySet:
    """The requirements the matrix covers: visible ones, active unless a status is chosen,
    matching the text (title, or a number / key such as 12, R12 or ACME-R12)."""
    requirements = selectors.requirement_list(user=user, project=project)
    if status:
        requirements = requirements.filter(status=status)
    else:
        requirements = requirements.exclude(status__in=INACTIVE_STATES)
    q = q.strip()
    if q:
        match = _NUMBER_RE.match(q)
        condition = Q(title__icontains=q)
        if match:
            condition |= Q(number=int(match.group(1)))
        requirements = requirements.filter(condition)
    return requirements


def gap_counts(scope: QuerySet) -> dict[str, int]:
    """How many requirements of the scope there are, and how many have each gap; one query."""
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for gap in GAPS.values():
        aggregates[gap.name] = Count("pk", filter=gap.condition())
    return scope.order_by().aggregate(**aggregates)


def matrix_rows(scope: QuerySet, *, gap: str = "", sort: str = "") -> QuerySet:
    """The matrix rows: the scope narrowed to one gap, with counts, in the chosen order."""
    rows = scope
    if gap in GAPS:
        rows = rows.filter(GAPS[gap].condition())
    return (
        rows.select_related("confirmed_version")
        .only(
            "id",
            "project",
            "number",
            "title",
            "status",
            "visibility",
            "changed_since_confirmation",
            "confirmed_version",
            "confirmed_version__number",
        )
        .annotate(
            criteria_count=_criteria_count(),
            task_count=_task_count(),
            task_done_count=_task_count(done=True),
        )
        .order_by(*SORTS.get(sort, SORTS["number"]))
    )


@dataclass
class TraceLink:
    direction: str  # "out": this requirement → other; "in": other → this requirement
    kind: str
    number: int
    key: str


def attach_links(requirements: list[Requirement], project: Project) -> None:
    """Give each row `link_groups`: [(kind, label, [TraceLink, …]), …] in LinkKind order, for
    every kind; one query for the whole page."""
    ids = [r.pk for r in requirements]
    by_requirement: dict[int, dict[str, list[TraceLink]]] = {pk: {} for pk in ids}
    if ids:
        links = (
            RequirementLink.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
            .order_by("kind", "source__number", "target__number")
            .values_list("source_id", "target_id", "kind", "source__number", "target__number")
        )
        for source_id, target_id, kind, source_number, target_number in links:
            if source_id in by_requirement:
                key = f"{project.key}-{Requirement.KEY_PREFIX}{target_number}"
                by_requirement[source_id].setdefault(kind, []).append(
                    TraceLink("out", kind, target_number, key)
                )
            if target_id in by_requirement:
                key = f"{project.key}-{Requirement.KEY_PREFIX}{source_number}"
                by_requirement[target_id].setdefault(kind, []).append(
                    TraceLink("in", kind, source_number, key)
                )
    for requirement in requirements:
        found = by_requirement[requirement.pk]
        requirement.link_groups = [
            (kind, label, found.get(kind, [])) for kind, label in LinkKind.choices
        ]
        requirement.link_count = sum(len(group) for group in found.values())
