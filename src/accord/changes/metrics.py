"""The change log's figures: for the project overview, the change log page and progress
reports. Counted over the requests the user may see, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Sum

from accord.changes.choices import DECIDED_STATES, OPEN_STATES, Status
from accord.changes.models import ChangeRequest, ScheduleImpact
from accord.projects.models import Project

# Requests whose impact is agreed: approved and on.
APPROVED_STATES = (Status.APPROVED, Status.IN_IMPLEMENTATION, Status.IMPLEMENTED, Status.CLOSED)


def change_metrics(project: Project, user: Any) -> dict[str, Any]:
    """{"total", "open", "by_state" {status: count}, "mean_days_to_decision" (None when nothing
    is decided), "decided", "approved_shift_days" (the largest shift of each approved request,
    summed), "approved_cost" {currency: Decimal}, "approved_effort_days" (Decimal)}.

    Two queries: one grouped by state and currency for the counts, sums and decision times,
    one for the schedule shifts."""
    visible = ChangeRequest.objects.visible_in(project, user).order_by()
    decided = Q(
        status__in=(*DECIDED_STATES, Status.CLOSED),
        submitted_at__isnull=False,
        decided_at__isnull=False,
    )
    rows = visible.values("status", "cost_currency").annotate(
        n=Count("id"),
        cost=Sum("cost"),
        effort=Sum("effort_days"),
        decided=Count("id", filter=decided),
        waited=Sum(
            ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField()),
            filter=decided,
        ),
    )
    by_state: dict[str, int] = {}
    cost: dict[str, Decimal] = {}
    effort = Decimal("0")
    decided_count = 0
    waited = dt.timedelta(0)
    for row in rows:
        by_state[row["status"]] = by_state.get(row["status"], 0) + row["n"]
        decided_count += row["decided"]
        waited += row["waited"] or dt.timedelta(0)
        if row["status"] not in APPROVED_STATES:
            continue
        if row["cost"] is not None and row["cost_currency"]:
            currency = row["cost_currency"]
            cost[currency] = cost.get(currency, Decimal("0")) + row["cost"]
        effort += row["effort"] or Decimal("0")
    approved = visible.filter(status__in=APPROVED_STATES)
    shifts = (
        ScheduleImpact.objects.filter(change_request__in=approved.values("pk"))
        .values("change_request")
        .annotate(largest=Max("shift_days"))
        .values_list("largest", flat=True)
    )
    mean = waited.total_seconds() / 86400 / decided_count if decided_count else None
    return {
        "total": sum(by_state.values()),
        "open": sum(by_state.get(s, 0) for s in OPEN_STATES),
        "by_state": by_state,
        "decided": decided_count,
        "mean_days_to_decision": round(mean, 1) if mean is not None else None,
        "approved_shift_days": sum(shifts),
        "approved_cost": dict(sorted(cost.items())),
        "approved_effort_days": effort,
    }
