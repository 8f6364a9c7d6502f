"""The change log: every change request of a project with its state, decision and dates, the
log's metrics on top, and the project overview's card.

The list costs the same few queries whatever the data: the rows carry only the columns shown,
the requester comes with a join, the count runs without it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from accord.changes import metrics, policies, selectors
from accord.changes.choices import Decision, Status
from accord.changes.filters import ChangeFilter
from accord.changes.models import ChangeApproval
from accord.changes.views.common import context, label, labels
from accord.projects import selectors as project_selectors
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker

ROW_FIELDS = (
    "id", "project_id", "number", "title", "type", "urgency", "status", "visibility",
    "requested_by", "created_at", "submitted_at", "decided_at", "updated_at", "effort_days",
    "cost", "cost_currency",
)  # fmt: skip


class _Paginator(Paginator):
    """Counts the filtered rows without the page's join."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count_from: QuerySet) -> None:
        super().__init__(object_list, per_page)
        self._count_from = count_from

    @cached_property
    def count(self) -> int:
        return self._count_from.count()


def _requesters(project: Project) -> list[tuple[str, str]]:
    """The project's members, for the "requested by" filter (one query)."""
    rows = (
        get_user_model()
        .objects.filter(memberships__project=project)
        .order_by("full_name", "email")
        .values_list("pk", "full_name", "email")
    )
    return [(str(pk), full_name or email) for pk, full_name, email in rows]


def state_bars(by_state: dict[str, int]) -> list[dict[str, Any]]:
    """The count of each state as a bar (percent of the largest), states in workflow order."""
    names = labels()["status"]
    largest = max(by_state.values(), default=0)
    bars = []
    for status in Status.values:
        count = int(by_state.get(status, 0))
        if not count:
            continue
        bars.append(
            {
                "status": status,
                "label": names[status],
                "count": count,
                "percent": round(100 * count / largest) if largest else 0,
            }
        )
    return bars


@login_required
def change_list(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    user = request.user
    visible = selectors.change_list(user, project).select_related(None)
    change_filter = ChangeFilter(
        request.GET or None, queryset=visible, requesters=_requesters(project)
    )
    filtered = change_filter.qs
    rows = filtered.only(*ROW_FIELDS).select_related("requested_by")
    paginator = _Paginator(rows, settings.ACCORD_PAGE_SIZE, count_from=filtered)
    page = paginator.get_page(request.GET.get("page"))
    names = labels()
    detail_of = address_maker("changes:detail", key=project.key, number=SLOT)
    changes = []
    for change in page.object_list:
        change.project = project
        label(change, names)
        change.url = detail_of(change.number)
        changes.append(change)
    figures = metrics.change_metrics(project, user)
    page_context = context(request, project)
    page_context.update(
        filter=change_filter,
        filtered=change_filter.is_filtered,
        page_obj=page,
        changes=changes,
        metrics=figures,
        bars=state_bars(figures.get("by_state", {})),
    )
    return render(request, "changes/list.html", page_context)


def overview_card(user: Any, project: Project) -> dict[str, Any]:
    """The change control card of the project overview: counts by state, the requests awaiting
    approval (those waiting for this user's own decision marked), and the approved schedule
    and cost totals. A handful of queries whatever the data."""
    figures = metrics.change_metrics(project, user)
    awaiting = list(
        selectors.change_list(user, project)
        .filter(status=Status.AWAITING_APPROVAL)
        .only("id", "project_id", "number", "title", "status", "requested_by", "approval_due")
        .select_related(None)
        .order_by("approval_due", "number")[:10]
    )
    mine = _waiting_for(user, project, awaiting)
    detail_of = address_maker("changes:detail", key=project.key, number=SLOT)
    decide_of = address_maker("changes:decide", key=project.key, number=SLOT)
    for change in awaiting:
        change.project = project
        change.url = detail_of(change.number)
        change.mine = change.pk in mine
        change.decide_url = decide_of(change.number)
    return {
        "metrics": figures,
        "bars": state_bars(figures.get("by_state", {})),
        "awaiting": awaiting,
        "awaiting_mine": sum(1 for change in awaiting if change.mine),
        "can_raise": policies.can_raise(user, project),
    }


def _waiting_for(user: Any, project: Project, awaiting: list[Any]) -> set[int]:
    """Which of the awaiting requests wait for this user's decision: they hold a slot of the
    policy that still needs approvals and have not decided (two queries for all)."""
    if not awaiting:
        return set()
    policy = selectors.policy_for(project)
    mine = selectors.slots_of(user, project, policy)
    if not mine:
        return set()
    approvals: dict[int, list[Any]] = {}
    for approval in ChangeApproval.objects.filter(
        change_request_id__in=[change.pk for change in awaiting], voided_at__isnull=True
    ):
        approvals.setdefault(approval.change_request_id, []).append(approval)
    waiting = set()
    for change in awaiting:
        own = approvals.get(change.pk, [])
        if any(approval.approver_id == user.pk for approval in own):
            continue
        if not policy.allow_self_approval and change.requested_by_id == user.pk:
            continue
        if any(approval.decision == Decision.REJECTED for approval in own):
            continue
        open_slots = {
            slot
            for slot, needed, given in selectors.pending_slots(change, policy, own)
            if given < needed
        }
        if open_slots & set(mine):
            waiting.add(change.pk)
    return waiting
