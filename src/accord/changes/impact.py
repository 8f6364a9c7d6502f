"""The impact of a change request on one page: computed from traceability, plus the team's
estimate.

Per redline line: the requirement, its current and proposed content with the field diff, the
confirmation the change would supersede, the requirement's tasks split into open work to change
and finished work to redo, and their milestones. For the request: the schedule shift per
milestone with the new date, effort, cost, new risks. Clients get the same picture without
task titles (counts only), internal requirements (a line on one reads "a requirement not yet
shared") and internal risks or milestones. A fixed number of queries, whatever the size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from accord.changes.choices import ItemAction
from accord.changes.models import ChangeItem, ChangeRequest, ScheduleImpact
from accord.core.choices import Visibility
from accord.core.textdiff import FieldDiff, compare_fields, time_limit
from accord.projects import policies
from accord.requirements.choices import Decision
from accord.requirements.compare import field_labels, readable
from accord.requirements.models import ClientDecision, Requirement


@dataclass
class LineImpact:
    item: ChangeItem
    position: int
    action: str
    requirement: Requirement | None
    # True when the reader may not see the requirement (a client, an internal requirement):
    # the line then shows neither its key nor its text.
    hidden: bool = False
    current: dict[str, Any] | None = None
    proposed: dict[str, Any] = field(default_factory=dict)
    diffs: list[FieldDiff] = field(default_factory=list)
    # The requirement moved on since the line was written (applying would be refused).
    outdated: bool = False
    superseded: ClientDecision | None = None
    open_tasks: list[Any] = field(default_factory=list)
    done_tasks: list[Any] = field(default_factory=list)
    open_task_count: int = 0
    done_task_count: int = 0
    milestones: list[Any] = field(default_factory=list)

    @property
    def changed_fields(self) -> list[FieldDiff]:
        return [d for d in self.diffs if d.changed]


@dataclass
class ScheduleLine:
    milestone: Any
    shift_days: int
    note: str
    new_date: dt.date


@dataclass
class Impact:
    change: ChangeRequest
    lines: list[LineImpact]
    schedule: list[ScheduleLine]
    effort_days: Decimal | None
    cost: Decimal | None
    cost_currency: str
    assessment: str
    new_risks: list[Any]
    hidden_risks: int
    show_tasks: bool
    open_task_count: int = 0
    done_task_count: int = 0
    milestones: list[Any] = field(default_factory=list)
    superseded_count: int = 0

    @property
    def requirement_count(self) -> int:
        return len(self.lines)

    @property
    def largest_shift(self) -> int:
        return max((s.shift_days for s in self.schedule), default=0)


def _task_links(requirement_ids: list[int]) -> list[Any]:
    """(requirement id, task) pairs with the task's milestone, one query."""
    from accord.delivery.models import Task

    through = Task.requirements.through
    return list(
        through.objects.filter(requirement_id__in=requirement_ids)
        .select_related("task__milestone__project")
        .order_by("task__number")
    )


# One time budget for the diffs of all the lines (up to 200).
@time_limit()
def change_impact(change: ChangeRequest, user: Any) -> Impact:
    project = change.project
    internal = policies.can_view_internal(user, project)
    items = list(
        ChangeItem.objects.filter(change_request_id=change.pk)
        .select_related(
            "requirement__current_version", "requirement__confirmed_version", "base_version"
        )
        .order_by("position")
    )
    requirement_ids = [i.requirement_id for i in items if i.requirement_id]
    confirmed_ids = [
        i.requirement.confirmed_version_id
        for i in items
        if i.requirement_id and i.requirement.confirmed_version_id
    ]
    confirmations = {
        d.version_id: d
        for d in ClientDecision.objects.filter(
            version_id__in=confirmed_ids, decision=Decision.CONFIRMED
        ).select_related("decided_by", "version")
    }
    tasks_by_requirement: dict[int, list[Any]] = {}
    for link in _task_links(requirement_ids) if requirement_ids else []:
        tasks_by_requirement.setdefault(link.requirement_id, []).append(link.task)
    labels = field_labels()
    all_open: set[int] = set()
    all_done: set[int] = set()
    all_milestones: dict[int, Any] = {}
    lines = []
    for item in items:
        requirement = item.requirement
        if requirement is not None:
            requirement.project = project
        line = LineImpact(
            item=item, position=item.position, action=item.action, requirement=requirement
        )
        lines.append(line)
        if requirement is not None and not internal and requirement.visibility != Visibility.SHARED:
            line.hidden = True
            line.requirement = None
            continue
        if requirement is not None:
            line.current = (
                requirement.current_version.content if requirement.current_version else None
            )
            line.outdated = requirement.current_version_id != item.base_version_id
            line.superseded = confirmations.get(requirement.confirmed_version_id)
        line.proposed = item.proposed or {}
        if item.action != ItemAction.WITHDRAW:
            old = readable(line.current) if line.current else {k: "" for k, _l in labels}
            if not line.current:
                old["acceptance_criteria"] = []
            line.diffs = compare_fields(old, readable(line.proposed), labels)
        if item.action == ItemAction.ADD:
            continue
        milestones: dict[int, Any] = {}
        for task in tasks_by_requirement.get(requirement.pk, []):
            done = task.status == "done"
            (all_done if done else all_open).add(task.pk)
            if done:
                line.done_tasks.append(task)
            else:
                line.open_tasks.append(task)
            milestone = task.milestone
            if milestone is not None and (internal or milestone.visibility == Visibility.SHARED):
                milestones[milestone.pk] = milestone
        line.open_task_count, line.done_task_count = len(line.open_tasks), len(line.done_tasks)
        if not internal:
            line.open_tasks, line.done_tasks = [], []
        line.milestones = sorted(milestones.values(), key=lambda m: (m.due_date, m.number))
        all_milestones.update(milestones)
    schedule = []
    for impact in (
        ScheduleImpact.objects.filter(change_request_id=change.pk)
        .select_related("milestone")
        .order_by("milestone__due_date", "milestone__number")
    ):
        milestone = impact.milestone
        if not internal and milestone.visibility != Visibility.SHARED:
            continue
        milestone.project = project
        schedule.append(
            ScheduleLine(
                milestone=milestone,
                shift_days=impact.shift_days,
                note=impact.note,
                new_date=milestone.due_date + dt.timedelta(days=impact.shift_days),
            )
        )
    risks = list(change.new_risks.order_by("number"))
    visible_risks = [r for r in risks if internal or r.visibility == Visibility.SHARED]
    for risk in visible_risks:
        risk.project = project
    return Impact(
        change=change,
        lines=lines,
        schedule=schedule,
        effort_days=change.effort_days,
        cost=change.cost,
        cost_currency=change.cost_currency,
        assessment=change.assessment,
        new_risks=visible_risks,
        hidden_risks=len(risks) - len(visible_risks),
        show_tasks=internal,
        open_task_count=len(all_open),
        done_task_count=len(all_done),
        milestones=sorted(all_milestones.values(), key=lambda m: (m.due_date, m.number)),
        superseded_count=sum(1 for line in lines if line.superseded is not None),
    )
