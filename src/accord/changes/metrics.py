"""The change log's figures: for the project overview, the change log page and progress
reports. Counted over the requests the user may see, in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Max

from accord.changes.choices import DECIDED_STATES, OPEN_STATES, Status
from accord.changes.models import ChangeRequest, ScheduleImpact
from accord.projects.models import Project

# Requests whose impact is agreed: approved and on.
APPROVED_STATES = (Status.APPROVED, Status.IN_IMPLEMENTATION, Status.IMPLEMENTED, Status.CLOSED)


def change_metrics(project: Project, user: Any) -> dict[str, Any]:
    """{"total", "open", "by_state" {status: count}, "mean_days_to_decision" (None when nothing
    is decided), "decided", "approved_shift_days" (the largest shift of each approved request,
    summed), "approved_cost" {currency: Decimal}, "approved_effort_days" (Decimal)}."""
    visible = ChangeRequest.objects.visible_in(project, user).order_by()
    by_state = {row["status"]: row["n"] for row in visible.values("status").annotate(n=Count("id"))}
    total = sum(by_state.values())
    decided_rows = visible.filter(
        status__in=(*DECIDED_STATES, Status.CLOSED),
        submitted_at__isnull=False,
        decided_at__isnull=False,
    ).values_list("submitted_at", "decided_at")
    spans = [(decided - submitted).total_seconds() / 86400 for submitted, decided in decided_rows]
    approved = visible.filter(status__in=APPROVED_STATES)
    shifts = (
        ScheduleImpact.objects.filter(change_request__in=approved.values("pk"))
        .values("change_request")
        .annotate(largest=Max("shift_days"))
        .values_list("largest", flat=True)
    )
    cost: dict[str, Decimal] = {}
    effort = Decimal("0")
    for amount, currency, days in approved.values_list("cost", "cost_currency", "effort_days"):
        if amount is not None and currency:
            cost[currency] = cost.get(currency, Decimal("0")) + amount
        if days is not None:
            effort += days
    return {
        "total": total,
        "open": sum(by_state.get(s, 0) for s in OPEN_STATES),
        "by_state": by_state,
        "decided": len(spans),
        "mean_days_to_decision": round(sum(spans) / len(spans), 1) if spans else None,
        "approved_shift_days": sum(shifts),
        "approved_cost": dict(sorted(cost.items())),
        "approved_effort_days": effort,
    }
