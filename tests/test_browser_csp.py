"""End to end in a real Chromium: the interactive pages work under the Content-Security-Policy.

The policy runs scripts and applies styles only from the site's own files. The `page` fixture
fails any test whose browser refused something (a "Refused to …" console message); this test
goes through the pages whose behaviour depends on scripts and styles — the language switcher,
"select all" on the lists, htmx parts loaded and swapped in place, drag and drop on the board,
the requirement diff, the charts' stylesheets — and the third-party pages under /api/ and
/admin/, and checks that each still does its job. Runs against pytest-django's live server.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.tests.factories import PASSWORD
from accord.core.testing import make_personas
from accord.delivery import services as delivery_services
from accord.delivery.choices import TaskStatus
from accord.delivery.models import ChecklistItem, Task
from accord.projects import services as project_services
from accord.requirements import services as requirement_services
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.browser


def _submit(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def _sign_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    _submit(page, page.locator("form[action='/accounts/login/'] button[type=submit]"))


def _mark_document(page: Any) -> None:
    """Tag the loaded document, so a later check can tell an htmx swap (the tag stays) from a
    full page load (a new document without it)."""
    page.evaluate("window.accordSameDocument = true")


def _same_document(page: Any) -> bool:
    return bool(page.evaluate("window.accordSameDocument === true"))


def _policy(response: Any) -> str:
    return response.headers.get("content-security-policy", "")


@pytest.mark.django_db(transaction=True)
def test_interactive_pages_work_under_the_content_security_policy(
    live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    world = make_personas()
    project, pm = world.project, world.alice
    key = project.key
    base = live_server.url
    milestone = project_services.milestone_create(
        actor=pm, project=project, name="Release 1", due_date=dt.date(2030, 6, 30)
    )
    requirement = make_requirement(project, actor=pm, title="Monthly invoice report")
    make_requirement(project, actor=pm, title="Export as CSV")
    requirement_services.requirement_update(
        actor=pm,
        requirement=requirement,
        data={"description": "Finance downloads the report of any past month, with VAT."},
    )
    first, second = (
        delivery_services.task_create(
            actor=pm, project=project, title=title, milestone=milestone, assignee=world.bob,
            estimate_hours=8, requirements=[requirement],
        )
        for title in ("Build the report", "Add the VAT column")
    )  # fmt: skip

    # Every page carries the policy, without 'unsafe-inline', and the Permissions-Policy.
    response = page.goto(base + reverse("accounts:login"))
    assert "script-src 'self'" in _policy(response)
    assert "unsafe-inline" not in _policy(response)
    assert "camera=()" in response.headers.get("permissions-policy", "")
    page.fill("input[name=username]", pm.email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("form[action='/accounts/login/'] button[type=submit]"))

    # The language switcher submits itself on change (base.js), and back.
    page.goto(base + reverse("requirements:list", args=[key]))
    with page.expect_navigation():
        page.select_option("header select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    with page.expect_navigation():
        page.select_option("header select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # "Select all on this page" ticks the rows, on the requirements and the tasks.
    for url in (reverse("requirements:list", args=[key]), reverse("delivery:list", args=[key])):
        page.goto(base + url)
        rows = page.locator(".row-select")
        expect(rows).to_have_count(2)
        page.locator("#select-all").check()
        for box in rows.all():
            expect(box).to_be_checked()
        page.locator("#select-all").uncheck()
        for box in rows.all():
            expect(box).not_to_be_checked()

    # The requirement diff highlights what changed (its styles come from the stylesheet).
    page.goto(base + reverse("requirements:diff", args=[key, requirement.number]) + "?from=1&to=2")
    inserted = page.locator(".diff-pane ins.diff-ins").first
    expect(inserted).to_be_visible()
    expect(inserted).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")

    # The milestone page loads its delivery summary through htmx (hx-trigger="load").
    page.goto(base + milestone.get_absolute_url())
    expect(page.locator(".milestone-progress progress")).to_be_visible()
    expect(page.locator("#milestone-delivery[hx-get]")).to_have_count(0)

    # The progress and workload pages: their chart styles moved into delivery.css.
    page.goto(base + reverse("delivery:milestone-progress", args=[key, milestone.number]))
    expect(page.locator(".milestone-progress")).not_to_have_css("margin-bottom", "0px")
    page.goto(base + reverse("delivery:workload", args=[key]))
    expect(page.locator(".workload-legend")).to_have_css("display", "flex")

    # The checklist adds and ticks items in place through htmx.
    page.goto(base + first.get_absolute_url())
    _mark_document(page)
    checklist = page.locator("#checklist")
    checklist.locator("input[name=text]").fill("Draft the SQL")
    checklist.get_by_role("button", name="Add").click()
    expect(checklist.locator(".checklist li")).to_contain_text(["Draft the SQL"])
    checklist.get_by_role("button", name="Mark “Draft the SQL” done").click()
    expect(checklist.locator(".done-text")).to_have_text("Draft the SQL")
    assert _same_document(page), "the checklist reloaded the page instead of swapping its part"
    assert ChecklistItem.objects.get(task=first).done

    # The board: a card dragged to another column moves there through htmx.
    page.goto(base + reverse("delivery:board", args=[key]))
    _mark_document(page)
    progress = page.locator(".board-column[data-status=in_progress]")
    page.locator(f"#card-{second.number}").drag_to(progress)
    expect(progress.locator(f"#card-{second.number}")).to_be_visible()
    expect(page.locator("#board .message-success")).to_contain_text(f"{key}-T2 moved")
    assert _same_document(page)
    assert Task.objects.get(pk=second.pk).status == TaskStatus.IN_PROGRESS


@pytest.mark.django_db(transaction=True)
def test_api_docs_browsable_api_and_admin_work_under_the_policy(
    live_server: Any, page: Any
) -> None:
    from playwright.sync_api import expect

    world = make_personas()
    base = live_server.url
    root = type(world.alice).objects.create_superuser(
        email="root@example.com", password="csp-root-password", full_name="Root"
    )

    # Swagger UI starts from its own script file and lists the operations.
    response = page.goto(base + reverse("api:docs"))
    policy = _policy(response)
    assert re.search(r"script-src 'self'(;|$)", policy), policy
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Accord API")
    expect(page.locator(".opblock").first).to_be_visible()

    # DRF's browsable API, as a signed-in user.
    _sign_in(page, base, root.email, "csp-root-password")
    page.goto(base + "/api/v1/projects/")
    expect(page.locator(".response-info")).to_contain_text("ACME")

    # The administration: a list and an object's page.
    page.goto(base + reverse("admin:index"))
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(base + reverse("admin:projects_project_changelist"))
    expect(page.locator("#result_list")).to_contain_text("ACME")
    page.goto(base + reverse("admin:projects_project_change", args=[world.project.pk]))
    expect(page.locator("#content")).to_contain_text(world.project.name)
