"""Workload: remaining estimates spread over working days per ISO week, against capacity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from accord.core.testing import BaseTestCase
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Task, TimeEntry
from accord.delivery.workload import spread, week_start, working_days, workload
from accord.projects.choices import ProjectStatus, Role
from accord.projects.tests.factories import MembershipFactory

# A Wednesday; its week starts on Monday 2 March 2026.
TODAY = dt.date(2026, 3, 4)
MONDAY = dt.date(2026, 3, 2)
WEEKS = [MONDAY + dt.timedelta(weeks=n) for n in range(8)]


class SpreadTests(SimpleTestCase):
    def test_working_days_skip_weekends(self) -> None:
        self.assertEqual(working_days(dt.date(2026, 3, 2), dt.date(2026, 3, 6)), 5)
        self.assertEqual(working_days(dt.date(2026, 3, 6), dt.date(2026, 3, 9)), 2)  # Fri–Mon
        self.assertEqual(working_days(dt.date(2026, 3, 7), dt.date(2026, 3, 8)), 0)  # weekend
        self.assertEqual(working_days(dt.date(2026, 3, 2), dt.date(2026, 3, 29)), 20)
        self.assertEqual(working_days(dt.date(2026, 3, 9), dt.date(2026, 3, 2)), 0)

    def test_hours_are_spread_evenly_over_the_working_days_to_the_due_date(self) -> None:
        # Wednesday to next Tuesday: 3 days this week, 2 the next; 20 h → 12 + 8.
        found = spread(Decimal(20), None, dt.date(2026, 3, 10), today=TODAY, weeks=WEEKS)
        self.assertEqual(found, {MONDAY: Decimal(12), WEEKS[1]: Decimal(8)})

    def test_a_future_start_date_delays_the_work(self) -> None:
        found = spread(
            Decimal(10), dt.date(2026, 3, 16), dt.date(2026, 3, 20), today=TODAY, weeks=WEEKS
        )
        self.assertEqual(found, {WEEKS[2]: Decimal(10)})

    def test_a_past_start_date_counts_from_today(self) -> None:
        found = spread(
            Decimal(9), dt.date(2026, 2, 2), dt.date(2026, 3, 6), today=TODAY, weeks=WEEKS
        )
        self.assertEqual(found, {MONDAY: Decimal(9)})

    def test_no_due_date_or_overdue_work_lands_in_the_current_week(self) -> None:
        self.assertEqual(spread(Decimal(6), None, None, today=TODAY, weeks=WEEKS), {MONDAY: 6})
        overdue = spread(Decimal(6), None, dt.date(2026, 2, 27), today=TODAY, weeks=WEEKS)
        self.assertEqual(overdue, {MONDAY: Decimal(6)})

    def test_work_beyond_the_horizon_is_not_shown_but_still_spread(self) -> None:
        # 40 working days from Monday 2 March: only the first eight weeks are shown.
        found = spread(
            Decimal(80), dt.date(2026, 3, 2), dt.date(2026, 4, 24), today=MONDAY, weeks=WEEKS
        )
        self.assertEqual(sum(found.values()), Decimal(80))
        found = spread(
            Decimal(100), dt.date(2026, 3, 2), dt.date(2026, 5, 8), today=MONDAY, weeks=WEEKS
        )
        self.assertEqual(found[MONDAY], Decimal(10))
        self.assertEqual(sum(found.values()), Decimal(80))

    def test_a_weekend_only_task_belongs_to_its_due_week(self) -> None:
        found = spread(
            Decimal(3), dt.date(2026, 3, 7), dt.date(2026, 3, 8), today=TODAY, weeks=WEEKS
        )
        self.assertEqual(found, {MONDAY: Decimal(3)})

    def test_week_start_is_monday(self) -> None:
        self.assertEqual(week_start(dt.date(2026, 3, 8)), MONDAY)
        self.assertEqual(week_start(MONDAY), MONDAY)


class WorkloadTests(BaseTestCase):
    def task(self, project: Any = None, actor: Any = None, **fields: Any) -> Task:
        fields.setdefault("title", "Build the login page")
        return services.task_create(
            actor=actor or self.alice, project=project or self.project, **fields
        )

    def test_remaining_estimate_is_counted_against_capacity_and_overload_flagged(self) -> None:
        services.capacity_set(actor=self.bob, user=self.bob, hours_per_week=Decimal("20"))
        task = self.task(
            assignee=self.bob, estimate_hours=Decimal("30"), due_date=dt.date(2026, 3, 6)
        )
        # Five hours already spent leave 25 in three days: over bob's 20 hours.
        TimeEntry.objects.create(task=task, user=self.bob, date=TODAY, hours=Decimal(5))
        Task.objects.filter(pk=task.pk).update(spent_hours=Decimal(5))
        self.task(assignee=self.alice, estimate_hours=Decimal("8"))
        self.task(assignee=self.alice, estimate_hours=None)
        done = self.task(assignee=self.alice, estimate_hours=Decimal("50"))
        services.task_move(actor=self.alice, task=done, status=TaskStatus.DONE)
        result = workload(self.project, today=TODAY)
        self.assertEqual(result.weeks, WEEKS)
        people = {p.user.pk: p for p in result.people}
        # The team only: managers and members, not clients or viewers.
        self.assertEqual(set(people), {self.alice.pk, self.bob.pk})
        bob, alice = people[self.bob.pk], people[self.alice.pk]
        self.assertEqual(bob.capacity, Decimal(20))
        self.assertFalse(bob.capacity_is_default)
        self.assertEqual(bob.weeks[0].hours, Decimal(25))
        self.assertTrue(bob.weeks[0].overloaded)
        self.assertEqual(bob.weeks[0].over_by, Decimal(5))
        self.assertEqual(bob.weeks[0].percent, 125)
        self.assertEqual(bob.overloaded_weeks, 1)
        self.assertEqual(alice.capacity, Decimal(40))
        self.assertTrue(alice.capacity_is_default)
        self.assertEqual(alice.weeks[0].hours, Decimal(8))  # no due date: this week
        self.assertFalse(alice.weeks[0].overloaded)
        self.assertEqual(alice.unestimated, 1)
        self.assertEqual([p.user for p in result.overloaded], [self.bob])

    def test_spent_beyond_the_estimate_leaves_nothing_not_negative(self) -> None:
        task = self.task(assignee=self.bob, estimate_hours=Decimal("4"))
        Task.objects.filter(pk=task.pk).update(spent_hours=Decimal(9))
        bob = next(p for p in workload(self.project, today=TODAY).people if p.user == self.bob)
        self.assertEqual(bob.weeks[0].hours, Decimal(0))

    def test_load_counts_every_project_and_shows_this_projects_share(self) -> None:
        MembershipFactory(project=self.other_project, user=self.bob, role=Role.MEMBER)
        self.task(assignee=self.bob, estimate_hours=Decimal("30"))
        self.task(
            project=self.other_project,
            actor=self.mallory,
            assignee=self.bob,
            estimate_hours=Decimal("15"),
        )
        bob = next(p for p in workload(self.project, today=TODAY).people if p.user == self.bob)
        self.assertEqual(bob.weeks[0].hours, Decimal(45))
        self.assertEqual(bob.weeks[0].project_hours, Decimal(30))
        self.assertTrue(bob.weeks[0].overloaded)

    def test_a_closed_projects_leftover_tasks_are_not_load(self) -> None:
        MembershipFactory(project=self.other_project, user=self.bob, role=Role.MEMBER)
        self.task(
            project=self.other_project,
            actor=self.mallory,
            assignee=self.bob,
            estimate_hours=Decimal("15"),
        )
        type(self.other_project).objects.filter(pk=self.other_project.pk).update(
            status=ProjectStatus.CLOSED
        )
        bob = next(p for p in workload(self.project, today=TODAY).people if p.user == self.bob)
        self.assertEqual(bob.weeks[0].hours, Decimal(0))

    def test_its_query_count_does_not_grow_with_the_tasks(self) -> None:
        self.task(assignee=self.bob, estimate_hours=Decimal("3"))
        with CaptureQueriesContext(connection) as small:
            workload(self.project, today=TODAY)
        for n in range(12):
            self.task(
                title=f"Task {n}",
                assignee=self.alice if n % 2 else self.bob,
                estimate_hours=Decimal("3"),
                due_date=TODAY + dt.timedelta(days=n * 3),
            )
        services.capacity_set(actor=self.alice, user=self.alice, hours_per_week=Decimal(30))
        with CaptureQueriesContext(connection) as large:
            workload(self.project, today=TODAY)
        self.assertEqual(len(small), len(large))
        self.assertEqual(len(large), 3)
