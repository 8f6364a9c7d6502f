"""End to end in a real Chromium: the client's side of the requirement loop.

The project manager's steps (submit, edit, submit again, edit after the confirmation) go through
the services in the test; the client approver works in the browser: returns the requirement with
a comment, reads the highlighted change in the next version, confirms it, finds the
confirmation with its hash on the requirement page, and then sees that the requirement changed
since. Runs against pytest-django's live server; screenshots land in `test-output/browser/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.tests.factories import PASSWORD
from accord.core.testing import make_personas
from accord.requirements import services
from accord.requirements.choices import Decision, Status
from accord.requirements.models import ClientDecision, Requirement
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.browser

FIRST = "Finance downloads the invoice report of any past month as a CSV file."
SECOND = (
    "Finance downloads the invoice report of any past month as a CSV file, with the "
    "customer's VAT number on every line."
)
THIRD = (
    "Finance downloads the invoice report of any past month as a CSV or Excel file, with "
    "the customer's VAT number on every line."
)
RETURN_COMMENT = "Our auditors need the customer's VAT number on every line."


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
def test_client_approver_returns_reads_the_change_confirms_and_sees_a_later_edit(
    live_server: Any, page: Any, browser_output_dir: Path
) -> None:
    from playwright.sync_api import expect

    world = make_personas()
    project, pm, approver = world.project, world.alice, world.dave
    # The PM's side: written, reviewed internally and submitted to the client.
    requirement = make_requirement(
        project,
        status=Status.SUBMITTED,
        actor=pm,
        title="Monthly invoice report",
        description=FIRST,
        criteria=[
            {
                "style": "gherkin",
                "given": "invoices of March",
                "when": "finance downloads the March report",
                "then": "every invoice of March is one line",
            }
        ],
    )
    key = f"{project.key}-R{requirement.number}"
    base = live_server.url
    review_url = base + reverse("requirements:review", args=[project.key])
    detail_url = base + requirement.get_absolute_url()

    _sign_in(page, base, approver.email)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # 1. The review page shows what awaits the approver; they return it with a comment.
    page.goto(review_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Client review")
    item = page.locator(f"#r{requirement.number}")
    expect(item.get_by_role("heading", level=2)).to_have_text("Monthly invoice report")
    expect(item).to_contain_text("Version 1")
    expect(item).to_contain_text(FIRST)
    item.locator("textarea[name=comment]").fill(RETURN_COMMENT)
    _submit(page, item.get_by_role("button", name="Return with comment"))
    expect(page.locator(".messages .message-success")).to_contain_text(
        f"You returned {key} version 1 to the team with your comment."
    )
    expect(page.locator(f"#r{requirement.number}")).to_have_count(0)

    requirement.refresh_from_db()
    assert requirement.status == Status.RETURNED
    returned = ClientDecision.objects.get(requirement=requirement)
    assert returned.decision == Decision.RETURNED
    assert returned.comment == RETURN_COMMENT
    assert returned.decided_by == approver
    assert returned.version.number == 1

    # 2. The PM reworks it (a second version) and submits it again.
    services.requirement_update(
        actor=pm,
        requirement=requirement,
        data={"description": SECOND},
        note="VAT number on every line, as the client asked",
    )
    services.requirements_submit(
        actor=pm,
        project=project,
        requirements=[requirement],
        message="Reworked after your comment.",
    )

    # 3. The approver finds version 2 awaiting them and reads the change, highlighted.
    page.goto(review_url)
    item = page.locator(f"#r{requirement.number}")
    expect(item).to_contain_text("Version 2")
    expect(page.locator(".review-submission")).to_contain_text("Reworked after your comment.")
    page.goto(
        base + reverse("requirements:diff", args=[project.key, requirement.number]) + "?from=1&to=2"
    )
    inserted = page.locator(".diff-pane ins.diff-ins")
    expect(inserted.first).to_be_visible()
    expect(inserted.filter(has_text="VAT number")).not_to_have_count(0)
    # Only the description changed; the old text has nothing deleted.
    expect(page.locator(".diff-pane del.diff-del")).to_have_count(0)
    page.screenshot(path=str(browser_output_dir / "requirement-diff-v1-v2.png"), full_page=True)

    # 4. They read it in full and confirm exactly that version.
    page.goto(review_url)
    _submit(
        page, page.locator(f"#r{requirement.number}").get_by_role("button", name="Read in full")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm requirement")
    version2 = Requirement.objects.get(pk=requirement.pk).current_version
    expect(page.locator("code.decision-hash")).to_have_text(version2.content_hash)
    _submit(page, page.get_by_role("button", name="Confirm version 2"))
    expect(page.locator(".messages .message-success")).to_contain_text(
        f"You confirmed {key} version 2 (content hash {version2.content_hash})."
    )

    confirmation = ClientDecision.objects.get(requirement=requirement, decision=Decision.CONFIRMED)
    assert confirmation.version == version2
    assert confirmation.content_hash == version2.content_hash
    assert confirmation.decided_by == approver

    # 5. The requirement page shows the confirmation, with its hash.
    page.goto(detail_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly invoice report")
    decisions = page.locator("#confirmations")
    expect(decisions.locator(".badge-ok")).to_have_text("Confirmed")
    expect(decisions).to_contain_text("version 2")
    short_hash = decisions.locator(f"span.key[title='{version2.content_hash}']")
    expect(short_hash).to_have_text(version2.content_hash[:12])
    expect(page.get_by_role("alert")).to_have_count(0)

    # 6. The PM edits the confirmed requirement; the client sees it needs confirming again.
    services.requirement_update(
        actor=pm,
        requirement=Requirement.objects.get(pk=requirement.pk),
        data={"description": THIRD},
        note="Excel too",
    )
    page.reload()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Changed since confirmation — needs reconfirmation.")
    expect(banner).to_contain_text("The client confirmed version 2")
    expect(page.locator(".prose", has_text="CSV or Excel")).not_to_have_count(0)
    page.screenshot(
        path=str(browser_output_dir / "requirement-changed-since-confirmation.png"),
        full_page=True,
    )
    _submit(page, banner.get_by_role("link", name="See what changed"))
    expect(page).to_have_url(re.compile(r"/diff/\?from=2&to=3$"))
    expect(page.locator(".diff-pane ins.diff-ins").filter(has_text="or Excel")).not_to_have_count(0)

    requirement.refresh_from_db()
    assert requirement.changed_since_confirmation
    assert requirement.confirmed_version == version2
    assert requirement.current_version.number == 3
