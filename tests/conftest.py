"""Shared fixtures of the cross-app tests in `tests/`.

Browser tests drive Debian's Chromium (`/usr/bin/chromium`) through Playwright; a browser
downloaded by Playwright is never used. Without Chromium they are skipped, unless
ACCORD_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django would otherwise refuse
# the ORM calls the browser tests make between page actions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test process."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("ACCORD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ACCORD_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test item, so fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def is_policy_violation(text: str) -> bool:
    """Chromium's console message for something the Content-Security-Policy (or the
    Permissions-Policy) refused: "Refused to execute inline script because …"."""
    return text.startswith("Refused to") or any(
        name in text for name in ("Content Security Policy", "Permissions-Policy")
    )


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, English unless the test switches.

    When the test fails, the page as it was is saved next to the other screenshots. Whatever
    the test does, the browser must not have refused anything under the site's security
    policies: a refusal means a page relies on inline code that does not run for users.
    """
    context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []

    def collect(message: Any) -> None:
        if is_policy_violation(message.text):
            refused.append(f"{page.url}: {message.text}")

    page.on("console", collect)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        path = OUTPUT_DIR / "browser" / f"{request.node.name}-failure.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    context.close()
    assert not refused, "The browser refused content under the site's policies:\n" + "\n".join(
        refused
    )


@pytest.fixture
def browser_output_dir() -> Path:
    """Where browser tests leave their screenshots (git-ignored)."""
    path = OUTPUT_DIR / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path
