"""The impact picture: diffs per line, superseded confirmations, tasks to change and to redo,
milestones, schedule with new dates — the client's version without task titles and internal
requirements — in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.changes import selectors
from accord.changes.choices import Status
from accord.changes.impact import change_impact
from accord.changes.tests.factories import confirmed_requirement, make_change, modify_line
from accord.core.choices import Visibility
from accord.delivery import services as delivery_services
from accord.delivery.tests.factories import make_task
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db


def _world(personas, size: int = 1):
    project = personas.project
    shared_ms = MilestoneFactory(
        project=project, due_date=dt.date(2026, 9, 1), visibility=Visibility.SHARED
    )
    internal_ms = MilestoneFactory(
        project=project, due_date=dt.date(2026, 10, 1), visibility=Visibility.INTERNAL
    )
    lines = []
    for n in range(size):
        requirement = confirmed_requirement(project, title=f"Export report {n}")
        open_task = make_task(
            project, title=f"Build export {n}", requirements=[requirement], milestone=shared_ms
        )
        done_task = make_task(
            project, title=f"Old export {n}", requirements=[requirement], milestone=internal_ms
        )
        delivery_services.task_move(actor=personas.alice, task=done_task, status="done")
        lines.append(
            {
                "action": "modify",
                "requirement": requirement,
                "proposed": {"title": f"Export report {n} as PDF and CSV"},
            }
        )
        assert open_task.pk
    draft = make_requirement(project, title="Secret internal idea")
    lines.append({"action": "withdraw", "requirement": draft})
    lines.append({"action": "add", "proposed": {"title": "Brand new"}})
    risk = make_risk(project, title="Internal risk")
    change = make_change(
        project,
        status=Status.SUBMITTED,
        items=lines,
        effort_days="3",
        cost="900",
        cost_currency="CNY",
        new_risks=[risk],
        schedule=[
            {"milestone": shared_ms, "shift_days": 7},
            {"milestone": internal_ms, "shift_days": 3},
        ],
    )
    return change, shared_ms, internal_ms


def test_team_sees_the_whole_picture(personas):
    change, shared_ms, internal_ms = _world(personas)
    impact = change_impact(change, personas.alice)
    first = impact.lines[0]
    assert first.action == "modify" and not first.hidden
    changed = [d for d in first.diffs if d.changed]
    assert [str(d.label) for d in changed] == ["Title"]
    assert "CSV" in changed[0].new and "<ins" in str(changed[0].right)
    assert first.superseded is not None and first.superseded.decided_by == personas.dave
    assert [t.title for t in first.open_tasks] == ["Build export 0"]
    assert [t.title for t in first.done_tasks] == ["Old export 0"]
    assert {m.pk for m in first.milestones} == {shared_ms.pk, internal_ms.pk}
    assert impact.open_task_count == 1 and impact.done_task_count == 1
    assert impact.superseded_count == 1
    assert [(s.milestone.pk, s.new_date) for s in impact.schedule] == [
        (shared_ms.pk, dt.date(2026, 9, 8)),
        (internal_ms.pk, dt.date(2026, 10, 4)),
    ]
    assert impact.largest_shift == 7
    assert [r.title for r in impact.new_risks] == ["Internal risk"]
    assert impact.lines[1].requirement.title == "Secret internal idea"
    assert impact.lines[2].action == "add" and impact.lines[2].proposed["title"] == "Brand new"


def test_client_sees_counts_only_and_no_internal_content(personas):
    change, shared_ms, _internal = _world(personas)
    impact = change_impact(change, personas.carol)
    first = impact.lines[0]
    assert first.open_tasks == [] and first.done_tasks == []
    assert first.open_task_count == 1 and first.done_task_count == 1
    assert [m.pk for m in first.milestones] == [shared_ms.pk]
    hidden = impact.lines[1]
    assert hidden.hidden and hidden.requirement is None and hidden.diffs == []
    assert [s.milestone.pk for s in impact.schedule] == [shared_ms.pk]
    assert impact.new_risks == [] and impact.hidden_risks == 1
    assert not impact.show_tasks


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_impact_queries_do_not_grow_with_the_redline(personas, who, django_assert_num_queries):
    small, *_rest = _world(personas, size=1)
    user = getattr(personas, who)
    small = selectors.change_for(user, personas.project, small.number)  # as the page loads it
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        change_impact(small, user)
    big = make_change(
        personas.project,
        status=Status.SUBMITTED,
        items=[
            modify_line(confirmed_requirement(personas.project, title=f"R{n}")) for n in range(6)
        ],
    )
    for line in big.items.all():
        make_task(personas.project, title="t", requirements=[line.requirement])
    big = selectors.change_for(user, personas.project, big.number)
    with django_assert_num_queries(len(one)):
        impact = change_impact(big, user)
    assert len(impact.lines) == 6
