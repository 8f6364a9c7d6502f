"""In-process checks of each scenario: it answers 200 with the expected content, and how many
SQL queries one request takes (Django's test client against the benchmark database)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch

from accord.accounts.models import User
from bench.datagen import Dataset
from bench.scenarios import CSRF_SECRET, SESSION, TOKEN, Scenario


@dataclass
class Probe:
    """The outcome of probing one scenario; `problem` is set when it cannot be measured."""

    path: str = ""
    queries: int | None = None
    problem: str = ""


@dataclass
class Credentials:
    """What an HTTP client sends to be signed in: a session cookie or an API token."""

    session_cookie: str
    api_token: str

    def headers(self, auth: str) -> dict[str, str]:
        if auth == SESSION:
            # The CSRF cookie goes along, so forms can be posted with the same secret.
            return {
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session_cookie}; "
                f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
            }
        if auth == TOKEN:
            return {"Authorization": f"Token {self.api_token}"}
        return {}


def sign_in(dataset: Dataset) -> Credentials:
    """A real session of the benchmark user, stored in the database the server reads."""
    client = Client()
    user = User.objects.get(email=dataset.user_email)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return Credentials(
        session_cookie=client.cookies[settings.SESSION_COOKIE_NAME].value,
        api_token=dataset.api_token,
    )


def probe(scenario: Scenario, dataset: Dataset, credentials: Credentials) -> Probe:
    """Request the scenario twice in-process; count the queries of the second request."""
    try:
        path = scenario.path(dataset)
    except NoReverseMatch as exc:
        return Probe(problem=f"no such URL: {exc}")
    client = Client()
    extra = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in credentials.headers(scenario.auth).items()
    }
    if scenario.body is not None:
        extra.update(data=scenario.body(dataset), content_type=scenario.content_type)

    def send():
        return client.generic(scenario.method, path, **extra)

    # The first request fills per-process caches (content types, translations, templates).
    send()
    with CaptureQueriesContext(connection) as queries:
        response = send()
    result = Probe(path=path, queries=len(queries.captured_queries))
    if response.status_code != scenario.status:
        result.problem = f"answers {response.status_code}, not {scenario.status}"
    elif 300 <= response.status_code < 400:
        # A form answers with a redirect to what it made (not, say, to the sign-in page).
        if not response.get("Location", "").startswith(scenario.expect(dataset)):
            result.problem = f"redirects to {response.get('Location')!r}"
    elif scenario.expect(dataset) not in response.content.decode(errors="replace"):
        result.problem = f"the response lacks {scenario.expect(dataset)!r}"
    return result
