"""Milestone and requirement progress, the burn-up from the audit trail and the forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core.testing import BaseTestCase
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Task
from accord.delivery.progress import (
    ForecastState,
    _replay,
    burnup,
    forecast,
    milestone_progress,
    requirement_progress,
)
from accord.projects import services as project_services
from accord.requirements.tests.factories import make_requirement


def at(day: dt.date, hour: int = 10) -> Any:
    """Travel to a moment of `day` (UTC), the clock stopped."""
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC), tick=False
    )


def queries_of(function: Any, *args: Any, **kwargs: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        function(*args, **kwargs)
    return len(captured)


class ProgressBase(BaseTestCase):
    def setUp(self) -> None:
        self.milestone = project_services.milestone_create(
            actor=self.alice, project=self.project, name="Beta", due_date=dt.date(2026, 3, 31)
        )
        self.other = project_services.milestone_create(
            actor=self.alice, project=self.project, name="Launch", due_date=dt.date(2026, 6, 30)
        )

    def task(self, **fields: Any) -> Task:
        fields.setdefault("title", "Build the login page")
        fields.setdefault("milestone", self.milestone)
        return services.task_create(actor=self.alice, project=self.project, **fields)

    def finish(self, task: Task) -> Task:
        task, _warning = services.task_move(actor=self.alice, task=task, status=TaskStatus.DONE)
        return task


class MilestoneProgressTests(ProgressBase):
    def test_it_counts_tasks_hours_and_overdue_per_milestone(self) -> None:
        with at(dt.date(2026, 3, 2)):
            done = self.task(estimate_hours=Decimal("8"))
            self.finish(done)
            self.task(estimate_hours=Decimal("4"), due_date=dt.date(2026, 3, 1))
            self.task(estimate_hours=None)
            self.task(milestone=self.other, estimate_hours=Decimal("5"))
            self.task(milestone=None)
            found = milestone_progress([self.milestone, self.other])
        beta, launch = found[self.milestone.pk], found[self.other.pk]
        self.assertEqual((beta.total, beta.done, beta.open), (3, 1, 2))
        self.assertEqual((beta.estimate_total, beta.estimate_done), (Decimal(12), Decimal(8)))
        self.assertEqual(beta.percent, 33)
        self.assertEqual(beta.hours_percent, 66)
        self.assertEqual(beta.overdue, 1)
        self.assertEqual((launch.total, launch.done, launch.percent), (1, 0, 0))

    def test_a_milestone_without_tasks_has_zeros(self) -> None:
        found = milestone_progress([self.milestone])
        self.assertEqual((found[self.milestone.pk].total, found[self.milestone.pk].percent), (0, 0))

    def test_it_costs_one_query_for_any_number_of_milestones_and_tasks(self) -> None:
        for _ in range(3):
            self.task()
        small = queries_of(milestone_progress, [self.milestone])
        for _ in range(10):
            self.task(milestone=self.other)
        extra = project_services.milestone_create(
            actor=self.alice, project=self.project, name="GA", due_date=dt.date(2026, 9, 1)
        )
        large = queries_of(milestone_progress, [self.milestone, self.other, extra])
        self.assertEqual(small, 1)
        self.assertEqual(large, 1)


class RequirementProgressTests(ProgressBase):
    def test_it_counts_linked_tasks_and_done_ones(self) -> None:
        covered = make_requirement(self.project, title="Sign in with SSO")
        gap = make_requirement(self.project, title="Export to Excel")
        first = self.task(requirements=[covered])
        self.task(requirements=[covered])
        self.finish(first)
        found = requirement_progress([covered, gap])
        self.assertEqual((found[covered.pk].total, found[covered.pk].done), (2, 1))
        self.assertEqual(found[covered.pk].percent, 50)
        self.assertEqual((found[gap.pk].total, found[gap.pk].done), (0, 0))

    def test_it_costs_one_query_whatever_the_links(self) -> None:
        requirements = [make_requirement(self.project, title=f"R {n}") for n in range(3)]
        self.task(requirements=requirements[:1])
        small = queries_of(requirement_progress, requirements)
        for _ in range(6):
            self.task(requirements=requirements)
        self.assertEqual(small, 1)
        self.assertEqual(queries_of(requirement_progress, requirements), 1)


class BurnupTests(ProgressBase):
    def test_scope_grows_on_the_day_a_task_joins_the_milestone(self) -> None:
        day1, day3, day5 = dt.date(2026, 3, 2), dt.date(2026, 3, 4), dt.date(2026, 3, 6)
        with at(day1):
            first = self.task(title="Login page")
            self.task(title="Password reset")
            later = self.task(title="Audit export", milestone=None)
        with at(day3):
            self.finish(first)
        with at(day5):
            # Planned into the milestone only now: scope rises from this day, not before.
            services.task_update(actor=self.alice, task=later, data={"milestone": self.milestone})
        chart = burnup(self.milestone, today=dt.date(2026, 3, 7))
        by_day = {p.day: (p.scope, p.done) for p in chart.points}
        self.assertEqual(chart.start, day1)
        self.assertEqual(len(chart.points), 6)
        self.assertEqual(by_day[day1], (2, 0))
        self.assertEqual(by_day[dt.date(2026, 3, 3)], (2, 0))
        self.assertEqual(by_day[day3], (2, 1))
        self.assertEqual(by_day[dt.date(2026, 3, 5)], (2, 1))
        self.assertEqual(by_day[day5], (3, 1))
        self.assertEqual(by_day[dt.date(2026, 3, 7)], (3, 1))
        self.assertEqual([(p.day, p.scope, p.done) for p in chart.changes], [
            (day1, 2, 0), (day3, 2, 1), (day5, 3, 1),
        ])  # fmt: skip

    def test_scope_falls_when_a_task_leaves_or_is_deleted_and_done_when_reopened(self) -> None:
        with at(dt.date(2026, 3, 2)):
            kept = self.task(title="Kept")
            moved = self.task(title="Moved away")
            deleted = self.task(title="Dropped")
            self.finish(kept)
        with at(dt.date(2026, 3, 3)):
            services.task_update(actor=self.alice, task=moved, data={"milestone": self.other})
            services.task_delete(actor=self.alice, task=deleted)
        with at(dt.date(2026, 3, 4)):
            services.task_move(actor=self.alice, task=kept, status=TaskStatus.IN_PROGRESS)
        chart = burnup(self.milestone, today=dt.date(2026, 3, 4))
        self.assertEqual(
            [(p.scope, p.done) for p in chart.points],
            [(3, 1), (1, 1), (1, 0)],
        )
        # The milestone the task moved to starts counting it from the day it arrived.
        other = burnup(self.other, today=dt.date(2026, 3, 4))
        self.assertEqual(
            [(p.day, p.scope, p.done) for p in other.points],
            [(dt.date(2026, 3, 2), 0, 0), (dt.date(2026, 3, 3), 1, 0), (dt.date(2026, 3, 4), 1, 0)],
        )

    def test_bulk_edits_count_like_single_ones(self) -> None:
        with at(dt.date(2026, 3, 2)):
            tasks = [self.task(title=f"Task {n}", milestone=None) for n in range(3)]
        with at(dt.date(2026, 3, 3)):
            services.tasks_bulk_update(
                actor=self.alice,
                project=self.project,
                tasks=tasks,
                data={"milestone": self.milestone},
            )
        with at(dt.date(2026, 3, 4)):
            services.tasks_bulk_update(
                actor=self.alice,
                project=self.project,
                tasks=tasks[:2],
                data={"status": TaskStatus.DONE},
            )
        chart = burnup(self.milestone, today=dt.date(2026, 3, 4))
        self.assertEqual([(p.scope, p.done) for p in chart.points], [(0, 0), (3, 0), (3, 2)])

    def test_a_milestone_without_recorded_tasks_has_no_points(self) -> None:
        self.task(milestone=self.other)
        chart = burnup(self.milestone)
        self.assertEqual(chart.points, [])
        self.assertEqual((chart.scope, chart.done), (0, 0))

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        with at(dt.date(2026, 3, 2)):
            for n in range(2):
                self.finish(self.task(title=f"Task {n}"))
        today = dt.date(2026, 3, 4)
        _replay(self.milestone, today=today)  # the content type is cached after the first call
        small = queries_of(_replay, self.milestone, today=today)
        with at(dt.date(2026, 3, 3)):
            for n in range(12):
                self.finish(self.task(title=f"More {n}"))
        self.assertEqual(queries_of(_replay, self.milestone, today=today), small)
        self.assertEqual(small, 1)

    def test_it_is_replayed_again_only_when_the_history_grows(self) -> None:
        with at(dt.date(2026, 3, 2)):
            self.finish(self.task(title="First"))
        today = dt.date(2026, 3, 3)
        first = burnup(self.milestone, today=today)
        # Reused: only the project's chain head is read.
        self.assertEqual(queries_of(burnup, self.milestone, today=today), 1)
        with at(dt.date(2026, 3, 3)):
            self.task(title="Added later")
        again = burnup(self.milestone, today=today)
        self.assertEqual((first.scope, again.scope), (1, 2))


class ForecastTests(ProgressBase):
    def test_finish_date_is_remaining_over_four_weeks_throughput(self) -> None:
        today = dt.date(2026, 3, 16)
        # Eight tasks done in the last four weeks: two a week; five remain → 2.5 weeks.
        with at(dt.date(2026, 2, 23)):
            for n in range(8):
                self.finish(self.task(title=f"Done {n}"))
            for n in range(5):
                self.task(title=f"Open {n}")
        with at(today):
            result = forecast(self.milestone, today=today)
        self.assertEqual((result.remaining, result.done_recently), (5, 8))
        self.assertEqual(result.per_week, Decimal("2.00"))
        # 5 × 28 / 8 = 17.5 days, rounded up to 18.
        self.assertEqual(result.finish_date, dt.date(2026, 4, 3))
        self.assertEqual(result.state, ForecastState.LATE)
        self.assertEqual(result.days_late, 3)  # due 31 March

    def test_work_done_before_the_four_weeks_does_not_count(self) -> None:
        with at(dt.date(2026, 1, 5)):
            for n in range(4):
                self.finish(self.task(title=f"Old {n}"))
            self.task(title="Still open")
        today = dt.date(2026, 3, 2)
        with at(today):
            result = forecast(self.milestone, today=today)
        self.assertEqual(result.state, ForecastState.NO_THROUGHPUT)
        self.assertIsNone(result.finish_date)
        self.assertEqual(result.remaining, 1)

    def test_on_time_when_the_pace_reaches_the_due_date(self) -> None:
        with at(dt.date(2026, 3, 2)):
            for n in range(4):
                self.finish(self.task(title=f"Done {n}"))
            self.task(title="Open")
        with at(dt.date(2026, 3, 3)):
            result = forecast(self.milestone, today=dt.date(2026, 3, 3))
        # One a week: one remaining → 7 days → 10 March, before the 31 March due date.
        self.assertEqual(result.finish_date, dt.date(2026, 3, 10))
        self.assertEqual(result.state, ForecastState.ON_TIME)
        self.assertEqual(result.days_early, 21)

    def test_done_and_empty_milestones_have_no_date(self) -> None:
        self.assertEqual(forecast(self.milestone).state, ForecastState.EMPTY)
        self.finish(self.task())
        self.assertEqual(forecast(self.milestone).state, ForecastState.DONE)
