"""The endpoints the benchmark measures, and the budget each must meet (DESIGN.md).

To measure a new page or API endpoint, append a `Scenario` to `SCENARIOS`: a name, how to build
its path from the generated `Dataset`, how the client authenticates, the budget it falls under,
and a text the response must contain (so a login redirect or an empty page cannot pass as fast).
If a new kind of item needs data, add it to `bench.datagen` as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from bench.datagen import (
    LARGE_MARKER,
    RISK_SHOWCASE_TITLE,
    SHOWCASE_TITLES,
    TASK_SHOWCASE_TITLE,
    Dataset,
)

ANONYMOUS, SESSION, TOKEN = "anonymous", "session", "token"

# The CSRF secret a signed-in benchmark client holds in its cookie and posts with each form
# (Django accepts the unmasked 32-character secret as the form's token).
CSRF_SECRET = "AccordBenchCsrfSecret0123456789a"  # noqa: S105 (a benchmark's own)


@dataclass(frozen=True)
class Budget:
    """Minimum throughput and maximum 99th-percentile latency of one page shape."""

    name: str
    min_rps: float
    max_p99_ms: float


DETAIL = Budget("detail page", min_rps=300, max_p99_ms=120)
LIST = Budget("100-row list", min_rps=100, max_p99_ms=400)
SEARCH = Budget("full-text search", min_rps=100, max_p99_ms=400)
FORM = "application/x-www-form-urlencoded"

CREATE = Budget("create through form", min_rps=400, max_p99_ms=150)

# Server memory, master and workers together (DESIGN.md).
MAX_SERVER_MEMORY_MB = 150


@dataclass(frozen=True)
class Scenario:
    """One endpoint under load. `path`, `expect` and `body` receive the generated dataset.

    A write gives `method`, a `body` and the `status` a successful answer has: 201 through the
    API (a JSON body; token auth needs no CSRF token), 302 for a web form (a form-encoded body
    with `content_type=FORM` that carries `CSRF_SECRET`, signed in with `SESSION`).
    """

    name: str
    path: Callable[[Dataset], str]
    auth: str
    budget: Budget
    expect: Callable[[Dataset], str]
    method: str = "GET"
    body: Callable[[Dataset], str] | None = None
    status: int = 200
    content_type: str = "application/json"


SCENARIOS: list[Scenario] = [
    Scenario(
        name="login page",
        path=lambda d: reverse("accounts:login"),
        auth=ANONYMOUS,
        budget=DETAIL,
        expect=lambda d: 'name="password"',
    ),
    Scenario(
        name="project list",
        path=lambda d: reverse("projects:list"),
        auth=SESSION,
        budget=LIST,
        # Any generated project (keys BIG, B0001 …): the first page need not hold the big one.
        expect=lambda d: 'href="/p/B',
    ),
    Scenario(
        name="project overview (big project)",
        path=lambda d: reverse("projects:overview", kwargs={"key": d.big_project_key}),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: d.big_project_key,
    ),
    Scenario(
        name="API project list",
        path=lambda d: "/api/v1/projects/",
        auth=TOKEN,
        budget=LIST,
        expect=lambda d: '"key":"B',
    ),
    # The big project's requirements (20,000 in the full run). The page shows 25 rows
    # (ACCORD_PAGE_SIZE, no page-size parameter); the API list is asked for 100.
    Scenario(
        name="requirements list (25-row page, filtered and sorted)",
        path=lambda d: (
            reverse("requirements:list", kwargs={"key": d.big_project_key})
            + "?status=confirmed&priority=must&sort=-updated"
        ),
        auth=SESSION,
        budget=LIST,
        # A row's priority badge: the page lists requirements, not just its filters.
        expect=lambda d: '<span class="priority priority-must">',
    ),
    Scenario(
        name="requirement detail (3 versions, confirmed)",
        path=lambda d: reverse(
            "requirements:detail",
            kwargs={"key": d.big_project_key, "number": d.requirement_number},
        ),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: SHOWCASE_TITLES[-1],
    ),
    Scenario(
        name="requirement diff (v1 to v3)",
        path=lambda d: (
            reverse(
                "requirements:diff",
                kwargs={"key": d.big_project_key, "number": d.requirement_number},
            )
            + f"?from=1&to={d.requirement_versions}"
        ),
        auth=SESSION,
        budget=DETAIL,
        # The title's change, highlighted.
        expect=lambda d: '<ins class="diff-ins">Excel and PDF</ins>',
    ),
    Scenario(
        # Two versions of 99,000 characters each with scattered edits: bounded in time and
        # cached by the texts' hashes, so the diff stays a detail page.
        name="requirement diff (two 99 KB versions)",
        path=lambda d: (
            reverse(
                "requirements:diff",
                kwargs={"key": d.big_project_key, "number": d.large_requirement_number},
            )
            + "?from=1&to=2"
        ),
        auth=SESSION,
        budget=DETAIL,
        # The sentence added in the middle of the second version, marked or not.
        expect=lambda d: LARGE_MARKER,
    ),
    Scenario(
        name="API requirements list (100 rows)",
        path=lambda d: (
            f"/api/v1/projects/{d.big_project_key}/requirements/"
            "?status=confirmed&priority=must&ordering=-updated_at&page_size=100"
        ),
        auth=TOKEN,
        budget=LIST,
        expect=lambda d: f'"key":"{d.big_project_key}-R',
    ),
    # The big project's risk register (5,000 risks in the full run), 25 rows a page like the
    # requirements; the API list is asked for 100.
    Scenario(
        name="risk register (25-row page, filtered and sorted)",
        path=lambda d: (
            reverse("risks:list", kwargs={"key": d.big_project_key})
            + "?status=active&level=high&sort=-updated"
        ),
        auth=SESSION,
        budget=LIST,
        # A row's key: the page lists risks, not just its filters and legend.
        expect=lambda d: f"{d.big_project_key}-K",
    ),
    Scenario(
        name="risk heat map",
        path=lambda d: reverse("risks:heatmap", kwargs={"key": d.big_project_key}),
        auth=SESSION,
        budget=DETAIL,
        # The top-right cell, counted (an empty cell would carry "heat-empty").
        expect=lambda d: (
            '<td class="heat-cell level-critical" data-probability="5" data-impact="5">'
        ),
    ),
    Scenario(
        name="risk detail (reviews and response actions)",
        path=lambda d: reverse(
            "risks:detail", kwargs={"key": d.big_project_key, "number": d.risk_number}
        ),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: RISK_SHOWCASE_TITLE,
    ),
    Scenario(
        name="API risk register (100 rows)",
        path=lambda d: (
            f"/api/v1/projects/{d.big_project_key}/risks/"
            "?status=open&status=monitoring&level=high&level=critical"
            "&ordering=-updated_at&page_size=100"
        ),
        auth=TOKEN,
        budget=LIST,
        expect=lambda d: f'"key":"{d.big_project_key}-K',
    ),
    Scenario(
        name="API risk heat map",
        path=lambda d: f"/api/v1/projects/{d.big_project_key}/risks/heat-map/",
        auth=TOKEN,
        budget=DETAIL,
        expect=lambda d: '"probability":5,"impact":5,"score":25,"level":"critical"',
    ),
    # The big project's tasks (50,000 in the full run): the board (each column shows its first
    # tasks and a count), the list filtered by status and assignee and sorted (25 rows), a task,
    # the API list (100 rows), the workload of the team, and a milestone holding 2% of the
    # tasks with its burn-up replayed from their audit history.
    Scenario(
        name="task board",
        path=lambda d: reverse("delivery:board", kwargs={"key": d.big_project_key}),
        auth=SESSION,
        budget=LIST,
        expect=lambda d: f"{d.big_project_key}-T",
    ),
    Scenario(
        name="task list (25-row page, filtered and sorted)",
        path=lambda d: (
            reverse("delivery:list", kwargs={"key": d.big_project_key})
            + f"?status=in_progress&assignee={d.task_assignee_id}&sort=-updated_at"
        ),
        auth=SESSION,
        budget=LIST,
        expect=lambda d: f"{d.big_project_key}-T",
    ),
    Scenario(
        name="task detail (requirements, checklist, time entries)",
        path=lambda d: reverse(
            "delivery:detail", kwargs={"key": d.big_project_key, "number": d.task_number}
        ),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: TASK_SHOWCASE_TITLE,
    ),
    Scenario(
        name="API task list (100 rows)",
        path=lambda d: (
            f"/api/v1/projects/{d.big_project_key}/tasks/"
            "?status=in_progress&status=in_review&ordering=-updated_at&page_size=100"
        ),
        auth=TOKEN,
        budget=LIST,
        expect=lambda d: f'"key":"{d.big_project_key}-T',
    ),
    Scenario(
        name="task workload",
        path=lambda d: reverse("delivery:workload", kwargs={"key": d.big_project_key}),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: 'class="workload-chart"',
    ),
    Scenario(
        name="task milestone progress (burn-up)",
        path=lambda d: reverse(
            "delivery:milestone-progress",
            kwargs={"key": d.big_project_key, "number": d.task_milestone_number},
        ),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: 'class="burnup-chart"',
    ),
    Scenario(
        name="API task workload",
        path=lambda d: f"/api/v1/projects/{d.big_project_key}/workload/",
        auth=TOKEN,
        budget=DETAIL,
        expect=lambda d: '"weeks"',
    ),
    Scenario(
        name="API task milestone progress (burn-up)",
        path=lambda d: (
            f"/api/v1/projects/{d.big_project_key}/milestones/{d.task_milestone_number}/progress/"
        ),
        auth=TOKEN,
        budget=DETAIL,
        expect=lambda d: '"burnup"',
    ),
    # The big project's change log (2,000 requests in the full run): open requests, recently
    # changed first (25 rows); the request awaiting approval with its redline and impact (five
    # requirements with their tasks and milestones, schedule shifts, decisions); the API list
    # (100 rows) and impact.
    Scenario(
        name="change log (25-row page, filtered and sorted)",
        path=lambda d: (
            reverse("changes:list", kwargs={"key": d.big_project_key}) + "?state=open&sort=-updated"
        ),
        auth=SESSION,
        budget=LIST,
        expect=lambda d: f"{d.big_project_key}-CR",
    ),
    Scenario(
        name="change request detail (redline and impact)",
        path=lambda d: reverse(
            "changes:detail", kwargs={"key": d.big_project_key, "number": d.change_number}
        ),
        auth=SESSION,
        budget=DETAIL,
        expect=lambda d: 'class="change-impact"',
    ),
    Scenario(
        name="API change request list (100 rows)",
        path=lambda d: (
            f"/api/v1/projects/{d.big_project_key}/changes/"
            "?status=awaiting_approval&status=under_assessment&ordering=-updated_at"
            "&page_size=100"
        ),
        auth=TOKEN,
        budget=LIST,
        expect=lambda d: f'"key":"{d.big_project_key}-CR',
    ),
    Scenario(
        name="API change request impact",
        path=lambda d: f"/api/v1/projects/{d.big_project_key}/changes/{d.change_number}/impact/",
        auth=TOKEN,
        budget=DETAIL,
        expect=lambda d: f'"{d.big_project_key}-R',
    ),
    # Writes last, so the pages above are measured on the generated data alone.
    Scenario(
        name="milestone create (web form)",
        path=lambda d: reverse("projects:milestone-create", kwargs={"key": d.big_project_key}),
        auth=SESSION,
        budget=CREATE,
        # Redirected to the new milestone's page (for a redirect, the start of its Location).
        expect=lambda d: f"/p/{d.big_project_key}/milestones/",
        method="POST",
        body=lambda d: (
            f"csrfmiddlewaretoken={CSRF_SECRET}&name=Load+test+milestone&due_date=2026-12-31"
            "&status=planned&visibility=shared&description="
        ),
        status=302,
        content_type=FORM,
    ),
    Scenario(
        name="API milestone create",
        path=lambda d: f"/api/v1/projects/{d.big_project_key}/milestones/",
        auth=TOKEN,
        budget=CREATE,
        expect=lambda d: f'"key":"{d.big_project_key}-M',
        method="POST",
        body=lambda d: '{"name":"Load test milestone","due_date":"2026-12-31"}',
        status=201,
    ),
]
