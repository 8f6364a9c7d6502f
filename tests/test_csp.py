"""Content-Security-Policy without 'unsafe-inline', and the Permissions-Policy.

Every page is served with a policy that only runs scripts and applies styles from the site's
own files, so an injected `<script>`, `onclick=` or `style=` does nothing. That holds only while
no template needs inline code, so this module checks both sides: the header on every route of
the authorization walk's world, and the HTML of every page that world reaches (as an anonymous
visitor, a client, a member and the project manager, full pages and their htmx parts), plus the
templates' source and the error pages that the walk does not reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.authorization import Route, World, build_world
from tests.test_authorization_walk import ROUTES, TABLE

# Pages, templates and visibility rules: the walk's PostgreSQL run covers the database side.
pytestmark = pytest.mark.once

SOURCE = Path(__file__).resolve().parent.parent / "src" / "accord"
# The personas whose pages differ most: the sign-in pages, the client portal, the team's view
# and the manager's controls.
PAGE_PERSONAS = ("anonymous", "carol", "bob", "alice")

REQUIRED_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
# Third-party HTML under /api/ (DRF's browsable API and Swagger UI) carries inline styles it
# cannot do without; their scripts still come only from the site.
API_HTML_STYLE = {"'self'", "'unsafe-inline'"}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
# Script types a browser does not execute: data blocks, which CSP lets through.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# A javascript: address in these runs as inline script.
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class InlineCodeFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block in one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: str | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "script":
            found = dict(attrs)
            kind = (found.get("type") or "").lower()
            if "src" not in found and kind not in DATA_SCRIPT_TYPES:
                self._script = self.get_starttag_text() or "<script>"
                self._script_text = []
        elif tag == "style":
            self.problems.append(f"<style> block: {self.get_starttag_text()}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            body = "".join(self._script_text).strip()
            if body:
                self.problems.append(f"inline script {self._script} {body[:80]!r}")
            self._script = None

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            # htmx evaluates hx-on attributes (hx-on:click, hx-on-click, hx-on::…) as scripts.
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=…> handler")
            elif name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}> javascript: URL")
            elif _htmx_evaluates(name, (value or "").strip()):
                self.problems.append(f"<{tag} {name}={value!r}> needs htmx's eval")


def _htmx_evaluates(name: str, value: str) -> bool:
    """htmx attributes that run code through eval, which base.html turns off (allowEval)."""
    if name == "hx-vars":
        return True
    if name in ("hx-vals", "hx-headers"):
        return value.startswith(("js:", "javascript:"))
    # Event filters: hx-trigger="keyup[ctrlKey]".
    return name == "hx-trigger" and "[" in value


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def policy_of(response: Any) -> dict[str, set[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{response.status_code} response without a Content-Security-Policy"
    directives: dict[str, set[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = set(words[1:])
    return directives


def assert_strict_policy(response: Any, what: str, *, api_html: bool = False) -> None:
    policy = policy_of(response)
    for directive, sources in REQUIRED_POLICY.items():
        if directive == "style-src" and api_html:
            sources = API_HTML_STYLE
        assert policy.get(directive) == sources, (
            f"{what}: {directive} is {policy.get(directive)}, expected {sources}"
        )
    for directive, sources in policy.items():
        assert "'unsafe-eval'" not in sources, f"{what}: {directive} allows 'unsafe-eval'"
        if not (api_html and directive == "style-src"):
            assert "'unsafe-inline'" not in sources, f"{what}: {directive} allows 'unsafe-inline'"
        assert not any(s.startswith("'nonce-") for s in sources), f"{what}: nonce in {directive}"
    permissions = response.get("Permissions-Policy", "")
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in permissions, f"{what}: Permissions-Policy allows {feature}"


def is_html(response: Any) -> bool:
    return response.get("Content-Type", "").startswith("text/html") and not getattr(
        response, "streaming", False
    )


# The finder itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<select onchange="this.form.submit()"></select>',
        '<button hx-on:click="go()"></button>',
        '<div hx-on-htmx-before-request="go()"></div>',
        '<div style="width: 40%"></div>',
        '<rect style="fill: red"/>',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">x</a>',
        '<div hx-vals="js:{a: go()}"></div>',
        '<input hx-trigger="keyup[ctrlKey]">',
    ],
)
def test_the_finder_reports_inline_code(html: str) -> None:
    assert inline_code(html)


def test_the_finder_lets_files_and_data_through() -> None:
    html = (
        '<script src="/static/a.js" defer></script><script type="application/json" id="d">'
        '{"a": 1}</script><link rel="stylesheet" href="/static/a.css">'
        '<rect width="10" fill="#2563eb"></rect><p data-onload="x" class="w-40">x</p>'
    )
    assert inline_code(html) == []


# Templates and error pages -------------------------------------------------------------------


def _templates() -> list[Path]:
    return sorted(SOURCE.glob("*/templates/**/*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(SOURCE)))
def test_template_source_has_no_inline_code(path: Path) -> None:
    text = path.read_text()
    # Template tags may stand where attribute values go; the finder needs plain HTML.
    plain = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "x", text, flags=re.DOTALL)
    assert inline_code(plain) == [], f"{path.relative_to(SOURCE)} has inline code"


@pytest.mark.django_db
def test_error_pages_have_no_inline_code() -> None:
    from django.views import defaults

    from accord.core.views import csrf_failure

    request = RequestFactory().get("/somewhere/")
    for response in (
        defaults.server_error(request),
        defaults.bad_request(request, Exception()),
        defaults.permission_denied(request, Exception()),
        defaults.page_not_found(request, Exception()),
        csrf_failure(request),
    ):
        assert inline_code(response.content.decode()) == [], response.status_code


@pytest.mark.django_db
def test_the_policy_is_sent_with_errors_and_redirects_too(client: Client) -> None:
    for url in ("/", "/does-not-exist/", reverse("accounts:login")):
        assert_strict_policy(client.get(url), f"GET {url}")
    csrf = Client(enforce_csrf_checks=True)
    response = csrf.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert_strict_policy(response, "CSRF failure")
    assert inline_code(response.content.decode()) == []


# Every page of the walk's world ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The authorization walk's world, created once and rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def _page_cases() -> list[Any]:
    cases = []
    for route in ROUTES:
        if route.name == "admin":
            continue
        for rule in TABLE.get(route.name, []):
            label = f"{route.name}[{rule.variant}]" if rule.variant else route.name
            cases.append(pytest.param(route, rule, id=label))
    return cases


def _get(client: Client, world: World, persona: str, route: Route, rule: Any, **headers: str):
    if persona != "anonymous":
        if route.is_api:
            headers["HTTP_AUTHORIZATION"] = f"Token {world.tokens[persona]}"
        else:
            client.force_login(world.users[persona])
    url = reverse(route.name, kwargs=rule.url_kwargs(world, persona)) + rule.query
    return url, client.get(url, **headers)


@pytest.mark.parametrize(("route", "rule"), _page_cases())
def test_every_page_has_the_policy_and_no_inline_code(
    route: Route, rule: Any, world: World, db: None
) -> None:
    personas = ("alice",) if route.is_api else PAGE_PERSONAS
    for persona in personas:
        cache.clear()  # throttles count per process
        client = Client()
        url, response = _get(client, world, persona, route, rule)
        what = f"GET {url} as {persona}"
        assert response.status_code < 500, what
        assert_strict_policy(response, what, api_html=route.is_api and is_html(response))
        if is_html(response) and not route.is_api:
            assert inline_code(response.content.decode()) == [], what
    if not route.is_api:
        # The same page asked by htmx: the parts it swaps into the page.
        client = Client()
        url, response = _get(client, world, "alice", route, rule, HTTP_HX_REQUEST="true")
        assert_strict_policy(response, f"htmx GET {url}")
        if is_html(response):
            assert inline_code(response.content.decode()) == [], f"htmx GET {url}"


@pytest.mark.django_db
def test_the_api_docs_run_their_script_from_the_site(client: Client) -> None:
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert_strict_policy(response, "GET /api/docs/", api_html=True)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", response.content.decode(), re.DOTALL)
    assert scripts and all(not body.strip() for body in scripts)
