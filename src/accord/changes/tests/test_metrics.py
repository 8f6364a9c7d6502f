"""The change log's figures: counts by state, mean time to decision, approved schedule shift,
cost per currency and effort — over what the reader may see, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accord.changes.choices import Status
from accord.changes.metrics import change_metrics
from accord.changes.models import ChangeRequest
from accord.changes.tests.factories import make_change
from accord.projects.tests.factories import MilestoneFactory

pytestmark = pytest.mark.django_db


def _assessed(personas, status, *, cost, currency, shifts, effort="2"):
    milestones = [MilestoneFactory(project=personas.project) for _ in shifts]
    return make_change(
        personas.project,
        status=status,
        cost=cost,
        cost_currency=currency,
        effort_days=effort,
        schedule=[
            {"milestone": m, "shift_days": s} for m, s in zip(milestones, shifts, strict=True)
        ],
    )


def test_metrics_count_states_decisions_shift_and_cost(personas):
    a = _assessed(personas, Status.APPROVED, cost="100", currency="EUR", shifts=[3, 10])
    _assessed(personas, Status.IMPLEMENTED, cost="50.5", currency="EUR", shifts=[4])
    _assessed(personas, Status.APPROVED, cost="1000", currency="CNY", shifts=[-2])
    _assessed(personas, Status.REJECTED, cost="999", currency="EUR", shifts=[30])
    make_change(personas.project)  # a draft: internal, counts for the team only
    # Decisions took 2 days each on a.
    submitted = timezone.now() - dt.timedelta(days=2)
    ChangeRequest.objects.filter(pk=a.pk).update(submitted_at=submitted)
    figures = change_metrics(personas.project, personas.alice)
    assert figures["total"] == 5
    assert figures["by_state"] == {"approved": 2, "implemented": 1, "rejected": 1, "draft": 1}
    assert figures["open"] == 1
    assert figures["decided"] == 4
    assert figures["mean_days_to_decision"] is not None
    assert figures["approved_shift_days"] == 10 + 4 - 2
    assert figures["approved_cost"] == {"CNY": Decimal("1000"), "EUR": Decimal("150.5")}
    assert figures["approved_effort_days"] == Decimal("6")
    client = change_metrics(personas.project, personas.carol)
    assert client["total"] == 4 and "draft" not in client["by_state"]
    outsider = change_metrics(personas.project, personas.mallory)
    assert outsider["total"] == 0 and outsider["mean_days_to_decision"] is None


def test_metrics_queries_are_bounded(personas, django_assert_num_queries):
    _assessed(personas, Status.APPROVED, cost="1", currency="EUR", shifts=[1])
    change_metrics(personas.project, personas.alice)
    with django_assert_num_queries(2):
        change_metrics(personas.project, personas.alice)
    for _n in range(3):
        _assessed(personas, Status.IMPLEMENTED, cost="1", currency="USD", shifts=[1, 2])
    with django_assert_num_queries(2):
        figures = change_metrics(personas.project, personas.alice)
    assert figures["total"] == 4
