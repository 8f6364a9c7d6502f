"""What the tasks say about the plan: milestone and requirement progress, the burn-up and the
forecast of a milestone's finish.

Progress is derived from the tasks, never stored. The burn-up is reconstructed from the audit
trail (task.created / task.updated / task.moved / task.deleted, each holding the task's
milestone and status where they are set or change), so it shows scope added to a milestone on
the day it was added instead of pretending the milestone always had its current tasks.

Cost bound: `milestone_progress` and `requirement_progress` are one grouped query for any
number of milestones or requirements; `burnup` one query over the audit records of the tasks
that were ever in the milestone; `forecast` one aggregate.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.fields.json import KT
from django.utils import timezone

from accord.core.history_cache import remember
from accord.core.models import AuditEvent
from accord.delivery.choices import OPEN_TASK_STATES, TaskStatus
from accord.delivery.models import Task

# The audit actions that place a task in a milestone, move it between states or remove it.
TASK_EVENTS = ("task.created", "task.updated", "task.moved", "task.deleted")
# Throughput is measured over this many recent weeks.
THROUGHPUT_WEEKS = 4
ZERO = Decimal("0")


# Milestone and requirement progress ----------------------------------------------------------


@dataclass
class MilestoneProgress:
    """The tasks of one milestone: counts and estimated hours, total and done."""

    milestone_id: int
    total: int = 0
    done: int = 0
    estimate_total: Decimal = ZERO
    estimate_done: Decimal = ZERO
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        """Tasks done as a whole percentage, rounded down (100 only when all are done)."""
        return self.done * 100 // self.total if self.total else 0

    @property
    def hours_percent(self) -> int:
        if not self.estimate_total:
            return 0
        return int(self.estimate_done * 100 // self.estimate_total)


def milestone_progress(milestones: Iterable[Any]) -> dict[int, MilestoneProgress]:
    """Progress of each milestone (by id; a milestone without tasks has zeros); one query."""
    ids = [m.pk if hasattr(m, "pk") else int(m) for m in milestones]
    found = {pk: MilestoneProgress(milestone_id=pk) for pk in ids}
    if not ids:
        return found
    done = Q(status=TaskStatus.DONE)
    overdue = Q(status__in=OPEN_TASK_STATES, due_date__lt=timezone.localdate())
    rows = (
        Task.objects.filter(milestone_id__in=ids)
        .order_by()
        .values("milestone_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=done),
            estimate_total=Sum("estimate_hours"),
            estimate_done=Sum("estimate_hours", filter=done),
            overdue=Count("pk", filter=overdue),
        )
    )
    for row in rows:
        found[row["milestone_id"]] = MilestoneProgress(
            milestone_id=row["milestone_id"],
            total=row["total"],
            done=row["done"],
            estimate_total=row["estimate_total"] or ZERO,
            estimate_done=row["estimate_done"] or ZERO,
            overdue=row["overdue"],
        )
    return found


@dataclass
class RequirementProgress:
    """The tasks linked to one requirement: how many, how many done."""

    total: int = 0
    done: int = 0

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0


def requirement_progress(requirements: Iterable[Any]) -> dict[int, RequirementProgress]:
    """Tasks total and done per requirement (by id; none linked gives zeros); one query."""
    ids = [r.pk if hasattr(r, "pk") else int(r) for r in requirements]
    found = {pk: RequirementProgress() for pk in ids}
    if not ids:
        return found
    through = Task.requirements.through
    rows = (
        through.objects.filter(requirement_id__in=ids)
        .order_by()
        .values("requirement_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(task__status=TaskStatus.DONE)))
    )
    for row in rows:
        found[row["requirement_id"]] = RequirementProgress(total=row["total"], done=row["done"])
    return found


# Burn-up -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BurnupPoint:
    """At the end of `day`: how many tasks the milestone held (scope) and how many were done."""

    day: dt.date
    scope: int
    done: int


@dataclass
class Burnup:
    """One point per day from the first recorded task of the milestone to today; `changes`
    are the days on which scope or done moved (the table lists those)."""

    points: list[BurnupPoint] = field(default_factory=list)

    @property
    def changes(self) -> list[BurnupPoint]:
        result = []
        previous: BurnupPoint | None = None
        for point in self.points:
            if previous is None or (point.scope, point.done) != (previous.scope, previous.done):
                result.append(point)
            previous = point
        return result

    @property
    def start(self) -> dt.date | None:
        return self.points[0].day if self.points else None

    @property
    def scope(self) -> int:
        return self.points[-1].scope if self.points else 0

    @property
    def done(self) -> int:
        return self.points[-1].done if self.points else 0

    @property
    def peak(self) -> int:
        return max((p.scope for p in self.points), default=0)


def _task_events(milestone: Any) -> Any:
    """The audit records of every task that was ever in the milestone, oldest first."""
    task_type = ContentType.objects.get_for_model(Task)
    events = AuditEvent.objects.filter(
        project_id=milestone.project_id, target_type=task_type, action__in=TASK_EVENTS
    )
    ever_in = events.filter(
        Q(after__milestone=milestone.pk) | Q(before__milestone=milestone.pk)
    ).values("target_id")
    # Only the two values the replay needs, not the whole snapshot (descriptions can be long);
    # `has_milestone` tells "left the milestone" (null) apart from "milestone not recorded".
    return (
        events.filter(target_id__in=ever_in)
        .order_by("id")
        .annotate(
            milestone_value=KT("after__milestone"),
            status_value=KT("after__status"),
            has_milestone=ExpressionWrapper(
                Q(after__has_key="milestone"), output_field=BooleanField()
            ),
        )
        .values_list(
            "target_id", "action", "created_at", "milestone_value", "status_value",
            "has_milestone",
        )
    )  # fmt: skip


def burnup(milestone: Any, *, today: dt.date | None = None) -> Burnup:
    """The milestone's burn-up. Replaying the history is the costly part of the milestone page,
    and its result changes only when the project's audit chain grows (every task write appends
    to it) or the day changes."""
    today = today or timezone.localdate()
    return remember(
        milestone.project_id,
        f"burnup:{milestone.pk}:{today.isoformat()}",
        lambda: _replay(milestone, today=today),
    )


def _replay(milestone: Any, *, today: dt.date) -> Burnup:
    """Replay the tasks' audit records: each task's milestone and status as they were at the end
    of every day, counted for this milestone."""
    state: dict[str, tuple[bool, str]] = {}  # task id → (in this milestone, status)
    totals = {"scope": 0, "done": 0}
    points: list[BurnupPoint] = []

    def count(entry: tuple[bool, str] | None, sign: int) -> None:
        if entry is not None and entry[0]:
            totals["scope"] += sign
            totals["done"] += sign * (entry[1] == TaskStatus.DONE)

    def write_days(first: dt.date, until: dt.date) -> None:
        """The points from `first` up to (not including) `until`, all at the current totals."""
        day = first
        while day < until:
            points.append(BurnupPoint(day, totals["scope"], totals["done"]))
            day += dt.timedelta(days=1)

    current_day: dt.date | None = None
    ours = str(milestone.pk)
    events = _task_events(milestone)
    for target_id, action, created_at, milestone_value, status_value, has_milestone in events:
        day = timezone.localtime(created_at).date()
        if current_day is not None and day != current_day:
            write_days(current_day, day)
        current_day = day
        old = state.get(target_id)
        count(old, -1)
        if action == "task.deleted":
            state.pop(target_id, None)
            continue
        in_ours, status = old or (False, TaskStatus.TODO)
        if has_milestone:
            in_ours = milestone_value is not None and str(milestone_value) == ours
        if status_value is not None:
            status = status_value
        state[target_id] = (in_ours, status)
        count(state[target_id], +1)
    if current_day is None:
        return Burnup()
    write_days(current_day, max(today, current_day) + dt.timedelta(days=1))
    return Burnup(points=points)


# Forecast ------------------------------------------------------------------------------------


class ForecastState:
    DONE = "done"  # nothing left to do
    EMPTY = "empty"  # no tasks at all
    NO_THROUGHPUT = "no_throughput"  # nothing finished lately: no date can be told
    ON_TIME = "on_time"
    LATE = "late"


@dataclass
class Forecast:
    """When the milestone's open tasks would be done at the recent pace, against its due date.

    Throughput is the tasks of the milestone finished in the last four weeks, per week; the
    finish date is today plus the remaining tasks divided by it (rounded up to whole days).
    """

    state: str
    remaining: int
    done_recently: int
    per_week: Decimal
    due_date: dt.date | None
    finish_date: dt.date | None = None

    @property
    def days_late(self) -> int:
        if self.finish_date is None or self.due_date is None:
            return 0
        return max((self.finish_date - self.due_date).days, 0)

    @property
    def days_early(self) -> int:
        if self.finish_date is None or self.due_date is None:
            return 0
        return max((self.due_date - self.finish_date).days, 0)


def forecast(
    milestone: Any, *, today: dt.date | None = None, now: dt.datetime | None = None
) -> Forecast:
    """The milestone's forecast finish from the last four weeks' throughput; one query."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=THROUGHPUT_WEEKS)
    done = Q(status=TaskStatus.DONE)
    counts = Task.objects.filter(milestone=milestone).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=done),
        recent=Count("pk", filter=done & Q(done_at__gte=since)),
    )
    remaining = counts["total"] - counts["done"]
    per_week = (Decimal(counts["recent"]) / THROUGHPUT_WEEKS).quantize(Decimal("0.01"))
    result = Forecast(
        state=ForecastState.EMPTY,
        remaining=remaining,
        done_recently=counts["recent"],
        per_week=per_week,
        due_date=milestone.due_date,
    )
    if counts["total"] == 0:
        return result
    if remaining == 0:
        result.state = ForecastState.DONE
        return result
    if counts["recent"] == 0:
        result.state = ForecastState.NO_THROUGHPUT
        return result
    # remaining / (recent / weeks) weeks, in days, rounded up.
    days = math.ceil(remaining * THROUGHPUT_WEEKS * 7 / counts["recent"])
    result.finish_date = today + dt.timedelta(days=days)
    late = milestone.due_date is not None and result.finish_date > milestone.due_date
    result.state = ForecastState.LATE if late else ForecastState.ON_TIME
    return result
