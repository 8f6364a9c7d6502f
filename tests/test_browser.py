"""End to end in a real Chromium: the demo PM signs in, switches to Chinese and invites someone.

Runs against pytest-django's live server (a real HTTP server over loopback, transactional
database). The full-page screenshot lands in `test-output/browser/`.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from accord.core.demo import DEMO_PASSWORD, PM
from accord.notifications.models import OutgoingEmail
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation

pytestmark = pytest.mark.browser

INVITEE = "new.colleague@example.com"


def _submit(page: Any, locator: Any) -> None:
    """Click and wait for the page that the form posts to (a redirect, then a page)."""
    with page.expect_navigation():
        locator.click()


@pytest.mark.django_db(transaction=True)
def test_demo_pm_invites_a_member_in_chinese(
    live_server: Any, page: Any, browser_output_dir: Path
) -> None:
    from playwright.sync_api import expect

    call_command("demo", stdout=StringIO())
    base = live_server.url

    # Signing in: the home page sends an anonymous visitor to the sign-in form.
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", PM.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    _submit(page, page.locator("form[action='/accounts/login/'] button[type=submit]"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My projects")

    # The language switcher in the header submits itself on change.
    with page.expect_navigation():
        page.select_option("header select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的项目")

    # The Chinese demo project, then its members page.
    _submit(page, page.locator("a[href='/p/HZYB/']").first)
    expect(page).to_have_url(re.compile(r"/p/HZYB/$"))
    _submit(page, page.locator("a[href='/p/HZYB/members/']").first)
    expect(page.get_by_role("heading", level=1)).to_have_text("成员")

    invite = page.locator("#invite")
    expect(invite.get_by_role("heading", level=2)).to_have_text("邀请成员")
    invite.locator("input[name=email]").fill(INVITEE)
    invite.locator("select[name=role]").select_option(Role.MEMBER)
    _submit(page, invite.get_by_role("button", name="发送邀请"))

    success = page.locator(".messages .message-success")
    expect(success).to_contain_text(INVITEE)
    expect(success).to_contain_text("邀请邮件已发送至")
    row = page.locator("tr", has_text=INVITEE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("团队成员")
    expect(row.get_by_role("button", name="撤销")).to_be_visible()
    page.screenshot(path=str(browser_output_dir / "invite-member-zh-hans.png"), full_page=True)

    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.project.key == "HZYB"
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.role == Role.MEMBER
    assert invitation.invited_by.email == PM.email
    assert OutgoingEmail.objects.filter(to=INVITEE).count() == 1
    # The switch was saved to the PM's profile, not only to a cookie.
    invitation.invited_by.refresh_from_db()
    assert invitation.invited_by.language == "zh-hans"
