"""End to end in a real Chromium: change control from the client's request to the new agreed
scope.

The client raises a change request from the portal (the current wording of the requirement is
filled in for them to edit) and submits it; the project manager assesses it (the impact shows
on the page) and requests approval; the PM approves, then edits the request, which voids that
approval visibly; the PM approves again and the client approver approves; the PM applies it.
The requirement then has a new version confirmed by the change, and a new baseline differs from
the old one by exactly that version. Runs against pytest-django's live server; screenshots land
in `test-output/browser/`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.tests.factories import PASSWORD
from accord.changes.choices import Status
from accord.changes.models import ChangeApproval, ChangeRequest
from accord.core.testing import make_personas
from accord.projects import services as project_services
from accord.requirements import services as requirement_services
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.models import Baseline, ClientDecision, Requirement
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.browser

FIRST = "Finance downloads the invoice report of any past month as a PDF file."
PROPOSED = "Finance downloads the invoice report of any past month as a CSV file."
REWORDED = (
    "Finance downloads the invoice report of any past month as a CSV file, one invoice a line."
)
REASON = "Our auditors import the report into their own tools."


def _submit(page: Any, locator: Any) -> None:
    """Click and wait for the page that the click leads to (a redirect, then a page)."""
    with page.expect_navigation():
        locator.click()


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    _submit(page, page.locator("form[action='/accounts/login/'] button[type=submit]"))


def _step(page: Any, name: str) -> None:
    """Take a workflow step from the request's page: its button, then the confirmation."""
    _submit(page, page.locator(".page-header .actions").get_by_role("button", name=name))
    _submit(page, page.locator("form").get_by_role("button", name=name))
    from playwright.sync_api import expect

    expect(page.locator(".messages .message-success")).to_contain_text(f"{name} — done.")


def _approve(page: Any, detail_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(detail_url)
    _submit(page, page.locator(".page-header").get_by_role("button", name="Approve or reject"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve or reject")
    _submit(page, page.get_by_role("button", name="Approve", exact=True))
    expect(page.locator(".messages .message-success")).to_contain_text("You approved")


@pytest.mark.django_db(transaction=True)
def test_client_raises_pm_assesses_both_approve_pm_applies_and_an_edit_voids_an_approval(
    live_server: Any, page: Any, chromium: Any, browser_output_dir: Path
) -> None:
    from playwright.sync_api import expect

    world = make_personas()
    project, pm, client_user, approver = world.project, world.alice, world.carol, world.dave
    requirement = make_requirement(
        project, status=RequirementStatus.CONFIRMED, actor=pm, title="Monthly invoice report",
        description=FIRST,
    )  # fmt: skip
    milestone = project_services.milestone_create(
        actor=pm, project=project, name="Go-live", due_date=dt.date(2026, 9, 30)
    )
    old_baseline = requirement_services.baseline_create(
        actor=pm, project=project, name="Agreed scope"
    )
    base = live_server.url
    contexts = []

    def signed_in(email: str) -> Any:
        context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        other = context.new_page()
        _sign_in(other, base, email)
        return other

    try:
        # 1. The client raises the request from the portal: the current wording is filled in.
        _sign_in(page, base, client_user.email)
        page.goto(base + reverse("changes:list", args=[project.key]))
        expect(page.get_by_role("heading", level=1)).to_have_text("Change log")
        _submit(page, page.get_by_role("button", name="Raise the first change request"))
        expect(page.locator("input[name=source_risks]")).to_have_count(0)
        page.fill("input[name=title]", "Invoice report as CSV")
        page.fill("textarea[name=reason]", REASON)
        page.select_option("select[name=items-0-action]", "modify")
        page.select_option("select[name=items-0-requirement]", str(requirement.number))
        _submit(page, page.get_by_role("button", name="Raise change request"))
        expect(page.locator("textarea[name=items-0-description]")).to_have_value(FIRST)
        page.fill("textarea[name=items-0-description]", PROPOSED)
        _submit(page, page.get_by_role("button", name="Raise change request"))
        change = ChangeRequest.objects.get()
        detail_url = base + change.get_absolute_url()
        expect(page.locator(".messages .message-success")).to_contain_text(
            f"Change request {change.key} was raised."
        )
        expect(page.locator("#impact del.diff-del")).to_contain_text("PDF")
        expect(page.locator("#impact ins.diff-ins")).to_contain_text("CSV")
        _step(page, "Submit")
        expect(page.locator(".change-status")).to_have_text("Submitted")

        # 2. The PM assesses it; the impact is on the page.
        pm_page = signed_in(pm.email)
        pm_page.goto(detail_url)
        _step(pm_page, "Start assessment")
        _submit(pm_page, pm_page.locator(".page-header").get_by_role("button", name="Assess"))
        pm_page.fill("input[name=effort_days]", "3")
        pm_page.fill("input[name=cost]", "1500")
        pm_page.fill("input[name=cost_currency]", "EUR")
        pm_page.fill("textarea[name=assessment]", "The export and its tests.")
        pm_page.select_option("select[name=schedule-0-milestone]", str(milestone.pk))
        pm_page.fill("input[name=schedule-0-shift_days]", "5")
        _submit(pm_page, pm_page.get_by_role("button", name="Save assessment"))
        impact = pm_page.locator("#impact")
        expect(impact).to_contain_text("The change touches 1 requirement.")
        expect(impact).to_contain_text("It replaces 1 confirmation the client gave")
        expect(impact).to_contain_text("Estimated effort: 3 person-days.")
        expect(impact).to_contain_text("Estimated cost: 1500.00 EUR.")
        expect(impact).to_contain_text("The schedule moves by up to 5 days.")
        _step(pm_page, "Request approval")
        expect(pm_page.locator(".change-status")).to_have_text("Awaiting approval")
        pm_page.screenshot(
            path=str(browser_output_dir / "change-request-impact.png"), full_page=True
        )

        # 3. The PM approves, then edits the request: the approval is voided, visibly.
        _approve(pm_page, detail_url)
        first_hash = ChangeRequest.objects.get().content_hash
        _submit(pm_page, pm_page.locator(".page-header").get_by_role("button", name="Edit"))
        expect(pm_page.locator("textarea[name=items-0-description]")).to_have_value(PROPOSED)
        pm_page.fill("textarea[name=items-0-description]", REWORDED)
        _submit(pm_page, pm_page.get_by_role("button", name="Save change request"))
        voided = pm_page.locator("#approvals tr.approval-voided")
        expect(voided).to_have_count(1)
        expect(voided.locator("del").first).to_have_text(pm.full_name)
        expect(voided).to_contain_text(
            "Voided: the request was edited after this decision (revision 2 → 3)."
        )
        expect(voided.locator(f"span.key[title='{first_hash}']")).to_have_count(1)
        pm_page.screenshot(
            path=str(browser_output_dir / "change-request-voided.png"), full_page=True
        )

        # 4. The PM approves again; the client approver approves exactly what they read.
        _approve(pm_page, detail_url)
        approver_page = signed_in(approver.email)
        approver_page.goto(detail_url)
        expect(approver_page.get_by_role("status")).to_contain_text("Your decision is needed")
        _submit(
            approver_page,
            approver_page.locator(".page-header").get_by_role("button", name="Approve or reject"),
        )
        current_hash = ChangeRequest.objects.get().content_hash
        expect(approver_page.locator("code.decision-hash")).to_have_text(current_hash)
        expect(approver_page.locator("#impact ins.diff-ins").first).to_contain_text("CSV")
        _submit(approver_page, approver_page.get_by_role("button", name="Approve", exact=True))
        expect(approver_page.locator(".change-status")).to_have_text("Approved")

        # 5. The PM applies it, with a new baseline.
        pm_page.goto(detail_url)
        _submit(
            pm_page, pm_page.locator(".page-header").get_by_role("button", name="Apply the change")
        )
        expect(pm_page.locator("input[name=record_baseline]")).to_be_checked()
        pm_page.fill("input[name=baseline_name]", "Scope after the CSV change")
        _submit(pm_page, pm_page.locator("form").get_by_role("button", name="Apply the change"))
        expect(pm_page.locator(".change-status")).to_have_text("Implemented")
        expect(pm_page.locator(".change-baseline")).to_have_text("Scope after the CSV change")

        # 6. The requirement reads the new wording, confirmed by the change request.
        pm_page.goto(base + requirement.get_absolute_url())
        confirmations = pm_page.locator("#confirmations")
        expect(confirmations).to_contain_text("version 2")
        expect(confirmations).to_contain_text(f"Approved in {change.key}")
        expect(pm_page.locator(".prose", has_text="one invoice a line")).not_to_have_count(0)
        pm_page.screenshot(
            path=str(browser_output_dir / "requirement-confirmed-by-change.png"), full_page=True
        )
    finally:
        for context in contexts:
            context.close()

    change = ChangeRequest.objects.get()
    assert change.status == Status.IMPLEMENTED
    approvals = ChangeApproval.objects.filter(change_request=change)
    assert approvals.filter(voided_at__isnull=False).count() == 1
    assert {a.approver for a in approvals.filter(voided_at__isnull=True)} == {pm, approver}
    requirement = Requirement.objects.get(pk=requirement.pk)
    version = requirement.current_version
    assert version.number == 2 and requirement.confirmed_version == version
    decision = ClientDecision.objects.get(version=version)
    assert decision.change_request == change and decision.decided_by == approver
    assert decision.content_hash == version.content_hash
    new_baseline = Baseline.objects.get(name="Scope after the CSV change")
    assert change.baseline == new_baseline
    old_items = set(old_baseline.items.values_list("requirement_id", "version__number"))
    new_items = set(new_baseline.items.values_list("requirement_id", "version__number"))
    assert old_items - new_items == {(requirement.pk, 1)}
    assert new_items - old_items == {(requirement.pk, 2)}
