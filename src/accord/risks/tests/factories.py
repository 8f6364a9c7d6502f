"""Risks for tests, made through the services so every review, audit record and number is
real."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.core.choices import Visibility
from accord.projects.choices import Role
from accord.projects.models import Membership
from accord.risks import services
from accord.risks.choices import Category, RiskStatus
from accord.risks.models import ResponseAction, Risk


def project_manager(project: Any) -> Any:
    membership = (
        Membership.objects.filter(project=project, role=Role.MANAGER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user


def make_risk(
    project: Any,
    *,
    actor: Any = None,
    title: str = "Key developer may leave during the build",
    probability: int = 3,
    impact: int = 3,
    visibility: str = Visibility.INTERNAL,
    status: str = RiskStatus.OPEN,
    **fields: Any,
) -> Risk:
    """A risk created by the project's manager (or `actor`)."""
    fields.setdefault("category", Category.RESOURCE)
    return services.risk_create(
        actor=actor or project_manager(project),
        project=project,
        title=title,
        probability=probability,
        impact=impact,
        visibility=visibility,
        status=status,
        **fields,
    )


def make_action(
    risk: Risk,
    *,
    actor: Any = None,
    description: str = "Pair a second developer on the payment module",
    owner: Any = None,
    due_date: dt.date | None = None,
    overdue: bool = False,
) -> ResponseAction:
    """A response action; `overdue` back-dates its due date past today (as history would)."""
    actor = actor or project_manager(risk.project)
    action = services.action_create(
        actor=actor, risk=risk, description=description, owner=owner, due_date=due_date
    )
    if overdue:
        action = services.action_update(
            actor=actor,
            action=action,
            data={"due_date": timezone.localdate() - dt.timedelta(days=3)},
        )
    return action
