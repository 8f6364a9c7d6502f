"""Workload: how many hours of open, estimated work each person holds per ISO week, against the
hours they can work (their capacity).

A task's remaining work (estimate minus time spent, never below zero) is spread evenly over
the working days (Monday to Friday) from its start date (or today, whichever is later) to its
due date. Work without a due date, and work already overdue, lands in the current week: it is
due now. Capacity is a person's across all projects, so the load counts their tasks in every
project that is not closed; the project's own share is shown beside it.

Cost bound: three queries (the team, their capacities, their open estimated tasks) whatever the
number of tasks or projects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accord.delivery.choices import DEFAULT_CAPACITY_HOURS, OPEN_TASK_STATES
from accord.delivery.models import Capacity, Task
from accord.projects.choices import EDITOR_ROLES, ProjectStatus
from accord.projects.models import Membership, Project

WEEKS = 8  # the current week and the next seven
ZERO = Decimal("0")


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def working_days(first: dt.date, last: dt.date) -> int:
    """Mondays to Fridays from `first` to `last`, both included (0 when last < first)."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    weekday = first.weekday()
    for offset in range(rest):
        if (weekday + offset) % 7 < 5:
            count += 1
    return count


def spread(
    remaining: Decimal,
    start: dt.date | None,
    due: dt.date | None,
    *,
    today: dt.date,
    weeks: list[dt.date],
) -> dict[dt.date, Decimal]:
    """The hours of one task that fall in each of `weeks` (their Mondays)."""
    if remaining <= 0 or not weeks:
        return {}
    this_week = week_start(today)
    first = max(start or today, today)
    if due is None or due < today:
        return {this_week: remaining} if this_week in weeks else {}
    total_days = working_days(first, due)
    if total_days == 0:
        # Only a weekend between start and due: the work belongs to the due date's week.
        monday = week_start(due)
        return {monday: remaining} if monday in weeks else {}
    per_day = remaining / total_days
    result = {}
    for monday in weeks:
        days = working_days(max(first, monday), min(due, monday + dt.timedelta(days=6)))
        if days:
            result[monday] = per_day * days
    return result


@dataclass
class WeekLoad:
    """One person's hours in one week: in every project, and in this project."""

    week: dt.date
    hours: Decimal
    project_hours: Decimal
    capacity: Decimal

    @property
    def overloaded(self) -> bool:
        return self.hours > self.capacity

    @property
    def over_by(self) -> Decimal:
        return max(self.hours - self.capacity, ZERO)

    @property
    def percent(self) -> int:
        """The load as a share of capacity (capped at 999 for display)."""
        if not self.capacity:
            return 999 if self.hours else 0
        return min(int(self.hours * 100 / self.capacity), 999)


@dataclass
class PersonLoad:
    user: Any
    capacity: Decimal
    capacity_is_default: bool
    weeks: list[WeekLoad] = field(default_factory=list)
    # Open tasks in this project that carry no estimate: load that cannot be counted.
    unestimated: int = 0

    @property
    def overloaded_weeks(self) -> int:
        return sum(1 for week in self.weeks if week.overloaded)

    @property
    def name(self) -> str:
        return self.user.full_name or self.user.email


@dataclass
class Workload:
    weeks: list[dt.date]
    people: list[PersonLoad]

    @property
    def max_hours(self) -> Decimal:
        """The largest figure on the chart: a load or a capacity."""
        values = [w.hours for p in self.people for w in p.weeks]
        values += [p.capacity for p in self.people]
        return max(values, default=ZERO)

    @property
    def overloaded(self) -> list[PersonLoad]:
        return [p for p in self.people if p.overloaded_weeks]


def team_of(project: Project) -> list[Any]:
    """The people who can hold tasks in the project (managers and members), by name."""
    memberships = (
        Membership.objects.filter(project=project, role__in=EDITOR_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return [m.user for m in memberships]


def workload(project: Project, *, today: dt.date | None = None, weeks: int = WEEKS) -> Workload:
    """The team of the project, each with their load per week for `weeks` weeks from the current
    one, counted over all their projects against their capacity."""
    today = today or timezone.localdate()
    mondays = [week_start(today) + dt.timedelta(weeks=n) for n in range(weeks)]
    people = team_of(project)
    ids = [person.pk for person in people]
    capacities = dict(
        Capacity.objects.filter(user_id__in=ids).values_list("user_id", "hours_per_week")
    )
    hours: dict[int, dict[dt.date, Decimal]] = {pk: {} for pk in ids}
    project_hours: dict[int, dict[dt.date, Decimal]] = {pk: {} for pk in ids}
    unestimated: dict[int, int] = dict.fromkeys(ids, 0)
    tasks = (
        Task.objects.filter(assignee_id__in=ids, status__in=OPEN_TASK_STATES)
        .filter(Q(estimate_hours__isnull=True) | Q(estimate_hours__gt=0))
        # A closed project's leftover tasks are not work anyone is going to do.
        .exclude(project__status=ProjectStatus.CLOSED)
        .order_by()
        .values_list(
            "assignee_id", "project_id", "estimate_hours", "spent_hours", "start_date", "due_date"
        )
    )
    for assignee_id, project_id, estimate, spent, start, due in tasks:
        here = project_id == project.pk
        if estimate is None:
            unestimated[assignee_id] += here
            continue
        remaining = max(estimate - (spent or ZERO), ZERO)
        for monday, share in spread(remaining, start, due, today=today, weeks=mondays).items():
            mine = hours[assignee_id]
            mine[monday] = mine.get(monday, ZERO) + share
            if here:
                ours = project_hours[assignee_id]
                ours[monday] = ours.get(monday, ZERO) + share
    result = []
    for person in people:
        stored = capacities.get(person.pk)
        capacity = Decimal(stored if stored is not None else DEFAULT_CAPACITY_HOURS)
        result.append(
            PersonLoad(
                user=person,
                capacity=capacity,
                capacity_is_default=stored is None,
                weeks=[
                    WeekLoad(
                        week=monday,
                        hours=_round(hours[person.pk].get(monday, ZERO)),
                        project_hours=_round(project_hours[person.pk].get(monday, ZERO)),
                        capacity=capacity,
                    )
                    for monday in mondays
                ],
                unestimated=unestimated[person.pk],
            )
        )
    return Workload(weeks=mondays, people=result)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))
