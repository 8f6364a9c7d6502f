"""Risk pages: register, heat map, detail, forms, reviews, actions, the organisation view.

Reads go through the selectors, writes through the services. A risk the user may not see (a
client and an internal risk) answers 404 like an unknown one; a forbidden action on a visible
risk answers 403. The register and the heat map cost the same few queries whatever the data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import integers
from accord.core.exceptions import ApplicationError
from accord.core.querysets import user_sees_everything
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error, refusal_status
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker, paginate, project_context, require
from accord.risks import policies, selectors, services
from accord.risks.choices import (
    ACTIVE_STATES,
    Category,
    Impact,
    Level,
    Probability,
    RiskStatus,
    Strategy,
)
from accord.risks.filters import ACTIVE, RiskFilter, with_next_due
from accord.risks.forms import (
    ActionCompleteForm,
    ResponseActionForm,
    RiskForm,
    RiskReviewForm,
    ThresholdsForm,
    VersionOnlyForm,
)
from accord.risks.models import ResponseAction, Risk, RiskThresholds

GET_POST = ["GET", "POST"]
HISTORY_LIMIT = 30
# The review table and the chart show the latest reviews; a risk reviewed weekly for years
# would otherwise make the page grow without end.
REVIEW_LIMIT = 60
# Only the columns a register row shows; the texts can be long and are not needed there.
ROW_FIELDS = (
    "id", "project_id", "number", "title", "category", "probability", "impact", "score",
    "strategy", "status", "visibility", "owner", "updated_at",
)  # fmt: skip
# How the status badge looks: still a threat, watched, over, or happened.
STATUS_BADGES = {
    RiskStatus.OPEN: "badge-warn",
    RiskStatus.MONITORING: "badge-info",
    RiskStatus.CLOSED: "",
    RiskStatus.OCCURRED: "badge-bad",
}


def _context(request: HttpRequest, project: Project) -> dict[str, Any]:
    context = project_context(request, project, "risks")
    user = request.user
    context.update(
        can_edit_risks=policies.can_edit_risks(user, project),
        can_delete_risks=policies.can_delete_risks(user, project),
        can_manage_thresholds=policies.can_manage_thresholds(user, project),
    )
    return context


@dataclass
class LevelInfo:
    """A level with the scores that make it under the project's thresholds."""

    value: str
    label: str
    low: int
    high: int


def level_scale(thresholds: RiskThresholds) -> list[LevelInfo]:
    labels = dict(Level.choices)
    return [
        LevelInfo(level, str(labels[level]), *thresholds.score_range(level))
        for level in Level.values
    ]


def _labels() -> dict[str, dict[Any, str]]:
    """Display labels looked up once per page: get_FOO_display() is slow on every row."""
    return {
        "level": {k: str(v) for k, v in Level.choices},
        "status": {k: str(v) for k, v in RiskStatus.choices},
        "category": {k: str(v) for k, v in Category.choices},
        "strategy": {k: str(v) for k, v in Strategy.choices},
        "probability": {k: str(v) for k, v in Probability.choices},
        "impact": {k: str(v) for k, v in Impact.choices},
    }


def _label(risk: Risk, thresholds: RiskThresholds, labels: dict[str, dict[Any, str]]) -> Risk:
    risk.level = thresholds.level_of(risk.score)
    risk.level_label = labels["level"][risk.level]
    risk.status_label = labels["status"].get(risk.status, risk.status)
    risk.status_badge = STATUS_BADGES.get(risk.status, "")
    risk.category_label = labels["category"].get(risk.category, risk.category)
    risk.strategy_label = labels["strategy"].get(risk.strategy, risk.strategy)
    return risk


def _load(request: HttpRequest, key: str, number: int) -> tuple[Project, Risk]:
    project = project_selectors.project_get(user=request.user, key=key)
    risk = selectors.risk_get(user=request.user, project=project, number=number)
    # One project object for the page: the policies' membership cache is keyed on it.
    risk.project = project
    return project, risk


def _detail_url(risk: Risk, anchor: str = "") -> str:
    url = reverse("risks:detail", kwargs={"key": risk.project.key, "number": risk.number})
    return f"{url}#{anchor}" if anchor else url


# Register ------------------------------------------------------------------------------------


class _Paginator(Paginator):
    """Counts the filtered rows without the page's joins and annotations."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count_from: QuerySet) -> None:
        super().__init__(object_list, per_page)
        self._count_from = count_from

    @cached_property
    def count(self) -> int:
        return self._count_from.count()


def _owner_choices(project: Project) -> list[tuple[str, str]]:
    """The team, for the owner filter (one query)."""
    from accord.risks.forms import owner_queryset

    return [
        (str(pk), full_name or email)
        for pk, full_name, email in owner_queryset(project).values_list("pk", "full_name", "email")
    ]


@login_required
def risk_list(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    thresholds = selectors.thresholds_of(project)
    visible = selectors.risk_list(user=request.user, project=project).select_related(None)
    risk_filter = RiskFilter(
        request.GET or None,
        queryset=visible,
        thresholds=thresholds,
        owners=_owner_choices(project),
    )
    filtered = risk_filter.qs
    rows = with_next_due(filtered.only(*ROW_FIELDS)).select_related("owner")
    paginator = _Paginator(rows, settings.ACCORD_PAGE_SIZE, count_from=filtered)
    page = paginator.get_page(request.GET.get("page"))
    labels = _labels()
    detail_of = address_maker("risks:detail", key=project.key, number=SLOT)
    today = timezone.localdate()
    risks = []
    for risk in page.object_list:
        risk.project = project
        _label(risk, thresholds, labels)
        risk.url = detail_of(risk.number)
        risk.next_due_overdue = risk.next_due is not None and risk.next_due < today
        risks.append(risk)
    context = _context(request, project)
    context.update(
        filter=risk_filter,
        filtered=risk_filter.is_filtered,
        page_obj=page,
        risks=risks,
        levels=level_scale(thresholds),
        thresholds=thresholds,
        cell=_cell_label(request, labels),
    )
    return render(request, "risks/list.html", context)


def _cell_label(request: HttpRequest, labels: dict[str, dict[Any, str]]) -> dict[str, str] | None:
    """The heat-map cell the register is filtered to, spelled out above the list."""
    p = integers.number_in(request.GET.get("probability", ""))
    i = integers.number_in(request.GET.get("impact", ""))
    if p is None or i is None:
        return None
    if p not in labels["probability"] or i not in labels["impact"]:
        return None
    return {"probability": labels["probability"][p], "impact": labels["impact"][i]}


# Heat map ------------------------------------------------------------------------------------


@dataclass
class Cell:
    probability: int
    impact: int
    score: int
    level: str
    level_label: str
    count: int
    url: str


@login_required
def risk_heatmap(request: HttpRequest, key: str) -> HttpResponse:
    """Probability (rows, 5 at the top) × impact (columns): how many risks in each cell, each
    cell coloured by the level its score has under the project's thresholds."""
    project = project_selectors.project_get(user=request.user, key=key)
    thresholds = selectors.thresholds_of(project)
    show_all = request.GET.get("all") == "1"
    statuses = tuple(RiskStatus.values) if show_all else ACTIVE_STATES
    counts: dict[tuple[int, int], int] = {}
    for row in selectors.heat_map(user=request.user, project=project, status=statuses):
        for cell in row:
            counts[(int(cell["probability"]), int(cell["impact"]))] = int(cell["count"])
    labels = _labels()
    list_url = reverse("risks:list", kwargs={"key": project.key})
    rows = []
    for probability in reversed(Probability.values):
        cells = []
        for impact in Impact.values:
            score = probability * impact
            level = thresholds.level_of(score)
            query = {"probability": probability, "impact": impact}
            if not show_all:
                query["status"] = ACTIVE
            cells.append(
                Cell(
                    probability=probability,
                    impact=impact,
                    score=score,
                    level=level,
                    level_label=labels["level"][level],
                    count=counts.get((probability, impact), 0),
                    url=f"{list_url}?{urlencode(query)}",
                )
            )
        rows.append((labels["probability"][probability], cells))
    context = _context(request, project)
    context.update(
        rows=rows,
        impacts=[labels["impact"][i] for i in Impact.values],
        total=sum(counts.values()),
        show_all=show_all,
        levels=level_scale(thresholds),
        thresholds=thresholds,
    )
    return render(request, "risks/heatmap.html", context)


# Create and edit -----------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    project: Project,
    form: RiskForm,
    risk: Risk | None,
    status: int | None = None,
) -> HttpResponse:
    context = _context(request, project)
    thresholds = selectors.thresholds_of(project)
    context.update(form=form, risk=risk, levels=level_scale(thresholds))
    if status is None:
        status = 400 if form.is_bound else 200
    return render(request, "risks/form.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def risk_create(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_edit_risks(request.user, project))
    data = request.POST if request.method == "POST" else None
    initial = {}
    # "Record a risk" from a heat-map cell starts with that cell's scores.
    for name in ("probability", "impact"):
        value = integers.number_in(request.GET.get(name, ""))
        if value is not None and 1 <= value <= 5:
            initial[name] = value
    form = RiskForm(
        data,
        instance=Risk(project=project),
        initial=initial,
        project=project,
        can_share=policies.can_share_risks(request.user, project),
    )
    if data is not None and form.is_valid():
        try:
            risk = services.risk_create(
                actor=request.user, project=project, **form.fields_for_service()
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Risk %(key)s was recorded.") % {"key": risk.key})
            return redirect(_detail_url(risk))
    return _form_page(request, project, form, None)


@login_required
@require_http_methods(GET_POST)
def risk_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    require(policies.can_edit_risks(request.user, project))
    data = request.POST if request.method == "POST" else None
    # The form works on a copy, so a refused save leaves the page header as stored.
    form = RiskForm(
        data,
        instance=copy.copy(risk),
        project=project,
        can_share=policies.can_share_risks(request.user, project),
    )
    status = None
    if data is not None and form.is_valid():
        try:
            services.risk_update(
                actor=request.user,
                risk=risk,
                data=form.fields_for_service(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            status = refusal_status(form, exc)
        else:
            messages.success(request, _("Risk %(key)s was saved.") % {"key": risk.key})
            return redirect(_detail_url(risk))
    return _form_page(request, project, form, risk, status)


@login_required
@require_http_methods(GET_POST)
def risk_delete(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    require(policies.can_delete_risks(request.user, project))
    form = VersionOnlyForm(request.POST or None, initial={"version": risk.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_delete(
                actor=request.user, risk=risk, expected_version=form.cleaned_data.get("version")
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(risk))
        messages.success(request, _("Risk %(key)s was deleted.") % {"key": risk.key})
        return redirect("risks:list", key=project.key)
    context = _context(request, project)
    thresholds = selectors.thresholds_of(project)
    _label(risk, thresholds, _labels())
    context.update(risk=risk, form=form, action_count=risk.actions.count())
    return render(request, "risks/delete.html", context)


# Detail --------------------------------------------------------------------------------------


@dataclass
class ChartPoint:
    x: float
    y: float
    score: int
    when: Any
    level: str


@dataclass
class Chart:
    """A small line chart of the score over time, drawn by the template as inline SVG."""

    width: int
    height: int
    points: list[ChartPoint]
    bands: list[dict[str, Any]]
    ticks: list[dict[str, Any]]
    plot_left: int
    plot_right: int
    date_y: int

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


CHART_WIDTH, CHART_HEIGHT = 480, 176
# Room on the left for the score ticks and at the bottom for the first and last dates.
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 28, 10, 8, 24


def score_chart(reviews: list[Any], thresholds: RiskThresholds) -> Chart | None:
    """Reviews oldest first, placed by time on the x axis and by score (1–25) on the y axis;
    the background bands show the levels under the project's thresholds."""
    if not reviews:
        return None
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT

    def y_of(score: float) -> float:
        return CHART_TOP + plot_height * (25 - score) / 24

    first, last = reviews[0].reviewed_at, reviews[-1].reviewed_at
    span = (last - first).total_seconds()
    points = []
    for index, review in enumerate(reviews):
        if span > 0:
            fraction = (review.reviewed_at - first).total_seconds() / span
        else:
            fraction = index / (len(reviews) - 1) if len(reviews) > 1 else 0.5
        points.append(
            ChartPoint(
                x=CHART_LEFT + plot_width * fraction,
                y=y_of(review.score),
                score=review.score,
                when=review.reviewed_at,
                level=thresholds.level_of(review.score),
            )
        )
    bands = []
    for level in level_scale(thresholds):
        top, bottom = y_of(level.high + 0.5), y_of(max(level.low - 0.5, 1))
        bands.append({"level": level.value, "y": round(top, 1), "height": round(bottom - top, 1)})
    ticks = [{"score": score, "y": round(y_of(score), 1)} for score in (1, 5, 10, 15, 20, 25)]
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        points=points,
        bands=bands,
        ticks=ticks,
        plot_left=CHART_LEFT,
        plot_right=CHART_WIDTH - CHART_RIGHT,
        date_y=CHART_HEIGHT - 6,
    )


def _detail_page(
    request: HttpRequest,
    project: Project,
    risk: Risk,
    *,
    review_form: RiskReviewForm | None = None,
    action_form: ResponseActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = _context(request, project)
    can_edit = context["can_edit_risks"]
    thresholds = selectors.thresholds_of(project)
    labels = _labels()
    _label(risk, thresholds, labels)
    key, number = project.key, risk.number

    # Newest first for the table; the chart reads them oldest first.
    reviews = list(
        risk.reviews.select_related("reviewed_by").order_by("-reviewed_at", "-id")[
            : REVIEW_LIMIT + 1
        ]
    )
    reviews_more = len(reviews) > REVIEW_LIMIT
    reviews = reviews[:REVIEW_LIMIT]
    for review in reviews:
        review.level = thresholds.level_of(review.score)
        review.level_label = labels["level"][review.level]
        review.status_label = labels["status"].get(review.status, review.status)

    # With each action's task (delivery), for the team's "make a task" / link to it.
    actions = list(
        risk.actions.select_related("owner", "task").order_by("done_at", "due_date", "id")
    )
    if can_edit:
        complete_url = address_maker("risks:action-complete", key=key, number=number, pk=SLOT)
        delete_url = address_maker("risks:action-delete", key=key, number=number, pk=SLOT)
        for action in actions:
            action.complete_url = complete_url(action.pk)
            action.delete_url = delete_url(action.pk)
    open_actions = sum(1 for action in actions if action.done_at is None)
    overdue_actions = sum(1 for action in actions if action.is_overdue)

    events = list(project_selectors.audit_events_of(user=user, target=risk)[: HISTORY_LIMIT + 1])
    history_more = len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT]

    if can_edit and review_form is None:
        review_form = RiskReviewForm(
            initial={
                "probability": risk.probability,
                "impact": risk.impact,
                "status": risk.status,
                "version": risk.version,
            }
        )
    if can_edit and action_form is None:
        action_form = ResponseActionForm(project=project)

    context.update(
        risk=risk,
        facts={
            "probability": labels["probability"].get(risk.probability, risk.probability),
            "impact": labels["impact"].get(risk.impact, risk.impact),
        },
        reviews=reviews,
        reviews_more=reviews_more,
        review_limit=REVIEW_LIMIT,
        chart=score_chart(list(reversed(reviews)), thresholds),
        actions=actions,
        open_actions=open_actions,
        overdue_actions=overdue_actions,
        rows=[(event, project_selectors.field_changes(event)) for event in events],
        history_more=history_more,
        history_limit=HISTORY_LIMIT,
        review_form=review_form,
        action_form=action_form,
        levels=level_scale(thresholds),
        risk_list_url=reverse("risks:list", kwargs={"key": key}),
        risk_problems=_problems_of_risk(user, project, risk),
    )
    return render(request, "risks/detail.html", context, status=status)


def _problems_of_risk(user: Any, project: Project, risk: Risk) -> list[Any]:
    """The problems that came from the risk (the problem pages' module imports this one)."""
    from accord.risks.views.problems import problems_of_risk

    return problems_of_risk(user, project, risk)


@login_required
def risk_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    return _detail_page(request, project, risk)


@login_required
@require_POST
def risk_review(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    require(policies.can_edit_risks(request.user, project))
    form = RiskReviewForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = services.risk_review(
                actor=request.user,
                risk=risk,
                probability=data["probability"],
                impact=data["impact"],
                status=data["status"],
                note=data["note"],
                expected_version=data.get("version"),
            )
        except ApplicationError as exc:
            status = refusal_status(form, exc)
        else:
            messages.success(
                request,
                _("Review of %(key)s recorded: score %(score)s.")
                % {"key": risk.key, "score": review.score},
            )
            return redirect(_detail_url(risk, "reviews"))
        # The page shows the risk as stored, not as the refused review left it.
        project, risk = _load(request, key, number)
    return _detail_page(request, project, risk, review_form=form, status=status)


# Response actions ----------------------------------------------------------------------------


def _action_of(risk: Risk, pk: int) -> ResponseAction:
    """One of the risk's actions (the risk is visible already: its actions follow it)."""
    action = ResponseAction.objects.filter(risk=risk, pk=pk).select_related("owner").first()
    if action is None:
        raise Http404
    action.risk = risk
    return action


@login_required
@require_POST
def action_create(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    require(policies.can_edit_risks(request.user, project))
    form = ResponseActionForm(request.POST, project=project)
    if form.is_valid():
        try:
            services.action_create(
                actor=request.user,
                risk=risk,
                description=form.cleaned_data["description"],
                owner=form.cleaned_data.get("owner"),
                due_date=form.cleaned_data.get("due_date"),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The response action was added."))
            return redirect(_detail_url(risk, "actions"))
    return _detail_page(request, project, risk, action_form=form, status=400)


@login_required
@require_POST
def action_complete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    action = _action_of(risk, pk)
    require(policies.can_edit_risks(request.user, project))
    form = ActionCompleteForm(request.POST)
    done = form.is_valid() and form.cleaned_data["done"]
    try:
        services.action_complete(actor=request.user, action=action, done=done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, _("The action is marked done."))
        else:
            messages.success(request, _("The action is open again."))
    return redirect(_detail_url(risk, "actions"))


@login_required
@require_http_methods(GET_POST)
def action_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, risk = _load(request, key, number)
    action = _action_of(risk, pk)
    require(policies.can_edit_risks(request.user, project))
    if request.method == "POST":
        try:
            services.action_delete(actor=request.user, action=action)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The response action was deleted."))
        return redirect(_detail_url(risk, "actions"))
    context = _context(request, project)
    context.update(risk=risk, action=action)
    return render(request, "risks/action_delete.html", context)


# Thresholds ----------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def thresholds_edit(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_thresholds(request.user, project))
    thresholds = selectors.thresholds_of(project)
    current = {
        "medium_from": thresholds.medium_from,
        "high_from": thresholds.high_from,
        "critical_from": thresholds.critical_from,
    }
    form = ThresholdsForm(request.POST or None, initial=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.thresholds_update(actor=request.user, project=project, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("The risk levels were saved."))
                return redirect("risks:thresholds", key=project.key)
    context = _context(request, project)
    context.update(
        form=form,
        levels=level_scale(thresholds),
        thresholds=thresholds,
        grid=[
            [{"score": p * i, "level": thresholds.level_of(p * i)} for i in Impact.values]
            for p in reversed(Probability.values)
        ],
    )
    return render(request, "risks/thresholds.html", context, status=status)


# Organisation view ---------------------------------------------------------------------------


@login_required
def org_risks(request: HttpRequest) -> HttpResponse:
    """High and critical active risks across all projects, for the organisation's staff (PMO)."""
    if not user_sees_everything(request.user):
        raise PermissionDenied
    rows = with_next_due(selectors.org_risks(user=request.user))
    page = paginate(request, rows)
    labels = _labels()
    today = timezone.localdate()
    risks = []
    for risk in page.object_list:
        risk.level_label = labels["level"].get(risk.level, risk.level)
        risk.status_label = labels["status"].get(risk.status, risk.status)
        risk.next_due_overdue = risk.next_due is not None and risk.next_due < today
        risks.append(risk)
    return render(request, "risks/org.html", {"page_obj": page, "risks": risks})


# Project overview ----------------------------------------------------------------------------


def overview_card(user: Any, project: Project) -> dict[str, Any]:
    """The risks card of the project overview: the top five active risks by score with their
    levels, how many response actions are overdue and how many problems are open. Four queries
    whatever the data."""
    from accord.risks.views.problems import open_problem_count

    thresholds = selectors.thresholds_of(project)
    labels = _labels()
    top = list(selectors.top_risks(user=user, project=project, limit=5))
    for risk in top:
        risk.project = project
        _label(risk, thresholds, labels)
    return {
        "top": top,
        "overdue_actions": selectors.overdue_actions(user=user, project=project).count(),
        "open_problems": open_problem_count(user, project),
    }
