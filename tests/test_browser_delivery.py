"""End to end in a real Chromium: planning and moving work.

The project manager creates two tasks from a requirement (the link prefilled, "create and add
another"); a team member finds them on the board, where the "In progress" column shows its
WIP limit, drags one card there with the mouse (HTML5 drag and drop, sent through htmx),
tries a move the workflow forbids through a card's "Move to…" control and sees the refusal,
then logs time on the task. Runs against pytest-django's live server; screenshots land in
`test-output/browser/`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.tests.factories import PASSWORD
from accord.core.models import AuditEvent
from accord.core.testing import make_personas
from accord.delivery import services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import Task, TimeEntry
from accord.projects import services as project_services
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.browser


def _submit(page: Any, locator: Any) -> None:
    """Click and wait for the page that the click leads to (a redirect, then a page)."""
    with page.expect_navigation():
        locator.click()


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("form[action='/accounts/login/'] button[type=submit]"))


@pytest.mark.django_db(transaction=True)
def test_pm_plans_tasks_from_a_requirement_and_a_member_drags_one_and_logs_time(
    live_server: Any, page: Any, chromium: Any, browser_output_dir: Path
) -> None:
    from playwright.sync_api import expect

    world = make_personas()
    project, pm, member = world.project, world.alice, world.bob
    requirement = make_requirement(project, actor=pm, title="Monthly invoice report")
    milestone = project_services.milestone_create(
        actor=pm, project=project, name="Release 1", due_date=dt.date(2030, 6, 30)
    )
    services.wip_limits_set(actor=pm, project=project, limits={TaskStatus.IN_PROGRESS: 1})
    base = live_server.url
    key = project.key

    # 1. The PM plans two tasks from the requirement.
    _sign_in(page, base, pm.email)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(base + reverse("delivery:create", args=[key]) + f"?requirement={requirement.number}")
    expect(page.get_by_role("heading", level=1)).to_have_text("New task")
    expect(page.locator(".from-requirement")).to_contain_text("Monthly invoice report")
    expect(page.locator("input[name=requirement_keys]")).to_have_value(f"R{requirement.number}")
    page.fill("input[name=title]", "Export the report as CSV")
    page.fill("input[name=estimate_hours]", "6")
    page.select_option("select[name=assignee]", label="Bob")
    page.select_option("select[name=milestone]", label="Release 1")
    _submit(page, page.get_by_role("button", name="Create and add another"))
    created = page.locator(".messages .message-success")
    expect(created).to_contain_text(f"Task {key}-T1 was created.")
    # The next task starts linked to the same requirement.
    expect(page.locator("input[name=requirement_keys]")).to_have_value(f"R{requirement.number}")
    page.fill("input[name=title]", "Add the VAT number column")
    page.fill("input[name=estimate_hours]", "-4")
    _submit(page, page.get_by_role("button", name="Create task"))
    # Bad input: the error names the field, what was typed stays.
    expect(page.locator(".form-errors").first).to_be_visible()
    expect(page.locator("#id_estimate_hours-error")).not_to_have_count(0)
    expect(page.locator("input[name=title]")).to_have_value("Add the VAT number column")
    page.fill("input[name=estimate_hours]", "3")
    page.select_option("select[name=assignee]", label="Bob")
    page.select_option("select[name=milestone]", label="Release 1")
    _submit(page, page.get_by_role("button", name="Create task"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add the VAT number column")
    expect(page.locator("#links")).to_contain_text(f"{key}-R{requirement.number}")

    tasks = list(Task.objects.filter(project=project).order_by("number"))
    assert [t.title for t in tasks] == ["Export the report as CSV", "Add the VAT number column"]
    for task in tasks:
        assert list(task.requirements.all()) == [requirement]
        assert (task.assignee, task.milestone, task.status) == (member, milestone, "todo")

    # 2. A team member opens the board in their own browser session.
    context = chromium.new_context(locale="en-GB", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    board = context.new_page()
    try:
        _sign_in(board, base, member.email)
        board.goto(base + reverse("delivery:board", args=[key]))
        todo = board.locator(".board-column[data-status=todo]")
        progress = board.locator(".board-column[data-status=in_progress]")
        expect(todo.locator(".task-card")).to_have_count(2)
        expect(progress.locator(".column-count")).to_have_text("0 / 1")

        # Real drag and drop: the card lands in "In progress", the column shows 1 / 1.
        board.locator(f"#card-{tasks[0].number}").drag_to(progress)
        expect(progress.locator(f"#card-{tasks[0].number}")).to_be_visible()
        expect(progress.locator(".column-count")).to_have_text("1 / 1")
        expect(board.locator("#board .message-success")).to_contain_text(
            f"{key}-T1 moved to “In progress”."
        )
        assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.IN_PROGRESS
        assert AuditEvent.objects.filter(action="task.moved", actor=member).count() == 1

        # The second card over the limit: kept, with a warning and the column highlighted.
        board.locator(f"#card-{tasks[1].number}").drag_to(progress)
        expect(progress.locator(".task-card")).to_have_count(2)
        expect(board.locator("#board .message-warning")).to_be_visible()
        expect(progress).to_have_class(re.compile(r"over-limit"))
        expect(progress.locator(".column-count")).to_have_text("2 / 1")
        board.screenshot(path=str(browser_output_dir / "task-board-over-wip-limit.png"))

        # A done task offers only the moves the workflow allows; a forbidden drag is refused.
        done = board.locator(".board-column[data-status=done]")
        board.locator(f"#card-{tasks[1].number}").drag_to(done)
        expect(done.locator(f"#card-{tasks[1].number}")).to_be_visible()
        card = done.locator(f"#card-{tasks[1].number}")
        card.locator("summary").click()
        options = card.locator("select[name=status] option")
        expect(options).to_have_text(["To do", "In progress"])
        assert Task.objects.get(pk=tasks[1].pk).status == TaskStatus.DONE
        board.locator(f"#card-{tasks[1].number}").drag_to(
            board.locator(".board-column[data-status=in_review]")
        )
        expect(board.locator("#board .message-error")).to_contain_text(f"{key}-T2 was not moved")
        assert Task.objects.get(pk=tasks[1].pk).status == TaskStatus.DONE

        # 3. The member logs time on the task they moved.
        _submit(board, progress.get_by_role("link", name="Export the report as CSV"))
        expect(board.get_by_role("heading", level=1)).to_have_text("Export the report as CSV")
        board.fill("#time-hours", "2.5")
        board.fill("#time-note", "First cut of the export")
        _submit(board, board.locator(".time-form").get_by_role("button", name="Log time"))
        expect(board.locator(".messages .message-success")).to_contain_text(
            f"2.5 h logged on {key}-T1."
        )
        expect(board.locator("#time table")).to_contain_text("First cut of the export")
        board.screenshot(
            path=str(browser_output_dir / "task-detail-time-logged.png"), full_page=True
        )
    finally:
        context.close()

    entry = TimeEntry.objects.get()
    assert (entry.user, entry.hours, entry.task_id) == (member, Decimal("2.5"), tasks[0].pk)
    assert Task.objects.get(pk=tasks[0].pk).spent_hours == Decimal("2.5")
