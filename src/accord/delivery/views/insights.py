"""What the tasks tell the project manager and the client: a milestone's progress, burn-up and
forecast, the team's workload per week against capacity, and the delivery card of the project
overview; plus turning a risk's response action into a task.

The milestone page is the one delivery page clients read: for a milestone shared with them it
shows counts, percent, the burn-up and the forecast, never a task or its title; an internal
milestone answers them 404 like an unknown one. Everything else here is the team's. Charts are
inline SVG built here and drawn by the templates, each with a title, a description and a table
of the same figures.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accord.core.exceptions import ApplicationError
from accord.core.history_cache import remember
from accord.delivery import policies, services
from accord.delivery.choices import OPEN_TASK_STATES, TaskStatus
from accord.delivery.models import Capacity, Task
from accord.delivery.progress import (
    Burnup,
    Forecast,
    ForecastState,
    MilestoneProgress,
    burnup,
    forecast,
    milestone_progress,
)
from accord.delivery.workload import Workload, team_of, workload
from accord.projects import policies as project_policies
from accord.projects import selectors as project_selectors
from accord.projects.choices import MilestoneStatus
from accord.projects.forms import apply_error
from accord.projects.models import Milestone, Project
from accord.projects.pages import project_context, require
from accord.risks.models import ResponseAction

GET_POST = ["GET", "POST"]
# The open tasks of a milestone listed for the team on its progress page.
OPEN_TASK_LIMIT = 50
# Milestones and overdue tasks shown on the overview card.
CARD_LIMIT = 5
OPEN_MILESTONES = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)
OPEN_TASK_FIELDS = (
    "id", "project_id", "number", "title", "status", "due_date", "estimate_hours",
    "spent_hours", "assignee__full_name", "assignee__email",
)  # fmt: skip


def _project(request: HttpRequest, key: str) -> Project:
    return project_selectors.project_get(user=request.user, key=key)


# Burn-up chart -------------------------------------------------------------------------------


@dataclass
class Tick:
    x: float
    y: float
    label: str
    anchor: str = "middle"


@dataclass
class BurnupChart:
    """The burn-up as SVG coordinates: scope and done as lines over days, the due date and the
    forecast finish as markers, the projection from today's done count to the finish."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    scope_points: str
    done_points: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    due_x: float | None = None
    finish_x: float | None = None
    projection: str = ""

    @property
    def axis_y(self) -> int:
        return self.height - self.bottom

    @property
    def axis_right(self) -> int:
        return self.width - self.right


CHART_WIDTH, CHART_HEIGHT = 640, 260
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 40, 16, 12, 32
# A forecast further out than this is not drawn: the axis would squash the history.
PROJECTION_LIMIT = dt.timedelta(days=365)


def _nice_step(top: int, lines: int = 4) -> int:
    """A round step for the count axis (1, 2, 5, 10, 20, 50, …)."""
    raw = max(top / lines, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


def burnup_chart(
    series: Burnup, milestone: Milestone, outlook: Forecast, *, today: dt.date | None = None
) -> BurnupChart | None:
    if not series.points:
        return None
    today = today or timezone.localdate()
    start = series.points[0].day
    end = series.points[-1].day
    if milestone.due_date and milestone.due_date > end:
        end = milestone.due_date
    finish = outlook.finish_date
    if finish is not None and finish > end and finish - today <= PROJECTION_LIMIT:
        end = finish
    span = max((end - start).days, 1)
    top = max(series.peak, 1)
    step = _nice_step(top)
    y_max = step * math.ceil(top / step)
    plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM

    def x_of(day: dt.date) -> float:
        return round(CHART_LEFT + plot_w * (day - start).days / span, 1)

    def y_of(count: float) -> float:
        return round(CHART_TOP + plot_h * (1 - count / y_max), 1)

    def line(values: list[tuple[dt.date, int]]) -> str:
        # A step line: the count holds through the day, then changes at the next one.
        coordinates: list[str] = []
        previous = None
        for day, value in values:
            if previous is not None and previous != value:
                coordinates.append(f"{x_of(day)},{y_of(previous)}")
            coordinates.append(f"{x_of(day)},{y_of(value)}")
            previous = value
        if len(values) == 1:
            coordinates.append(f"{x_of(values[0][0] + dt.timedelta(days=1))},{y_of(previous)}")
        return " ".join(coordinates)

    x_ticks = []
    count = min(span, 5)
    for n in range(count + 1):
        day = start + dt.timedelta(days=round(span * n / count))
        # The first and last labels align inwards, so they stay inside the picture.
        anchor = "start" if n == 0 else "end" if n == count else "middle"
        x_ticks.append(Tick(x_of(day), CHART_HEIGHT - 10, _date_label(day), anchor))
    y_ticks = [Tick(CHART_LEFT - 6, y_of(v), str(v)) for v in range(0, y_max + 1, step)]
    chart = BurnupChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=CHART_LEFT,
        right=CHART_RIGHT,
        top=CHART_TOP,
        bottom=CHART_BOTTOM,
        scope_points=line([(p.day, p.scope) for p in series.points]),
        done_points=line([(p.day, p.done) for p in series.points]),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
    )
    if milestone.due_date and start <= milestone.due_date <= end:
        chart.due_x = x_of(milestone.due_date)
    if finish is not None and finish <= end:
        chart.finish_x = x_of(finish)
        last = series.points[-1]
        chart.projection = f"{x_of(last.day)},{y_of(last.done)} {x_of(finish)},{y_of(series.scope)}"
    return chart


def _date_label(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# Milestone progress --------------------------------------------------------------------------


def _burnup_description(series: Burnup) -> str:
    """The chart's figures in words, for screen readers and for the chart's description."""
    if not series.points:
        return ""
    first, last = series.points[0], series.points[-1]
    return _(
        "From %(start)s to %(end)s the scope went from %(first_scope)d to %(scope)d tasks "
        "(at most %(peak)d); %(done)d are done."
    ) % {
        "start": _date_label(first.day),
        "end": _date_label(last.day),
        "first_scope": first.scope,
        "scope": last.scope,
        "peak": series.peak,
        "done": last.done,
    }


def milestone_summary(user: Any, milestone: Milestone, *, chart: bool = True) -> dict[str, Any]:
    """Everything the milestone page shows, for the team or (counts only) for a client;
    without `chart`, only progress and forecast (the audit trail is not read)."""
    today = timezone.localdate()
    progress = milestone_progress([milestone])[milestone.pk]
    outlook = forecast(milestone, today=today)
    summary = {
        "milestone": milestone,
        "progress": progress,
        "forecast": outlook,
        "forecast_states": ForecastState,
        "team": policies.can_view_tasks(user, milestone.project),
    }
    if chart:
        series = burnup(milestone, today=today)
        summary.update(
            burnup=series,
            burnup_changes=series.changes,
            chart=burnup_chart(series, milestone, outlook, today=today),
            chart_description=_burnup_description(series),
        )
    return summary


@login_required
def milestone_progress_page(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = _project(request, key)
    # Clients get shared milestones only: an internal one is the 404 of an unknown one.
    milestone = project_selectors.milestone_get(user=request.user, project=project, number=number)
    milestone.project = project
    if request.GET.get("part") == "summary":
        summary = milestone_summary(request.user, milestone, chart=False)
        return render(request, "delivery/insights/milestone_summary.html", summary)
    summary = milestone_summary(request.user, milestone)
    team = summary["team"]
    context = project_context(request, project, "tasks" if team else "milestones")
    context.update(summary)
    if team:
        open_tasks = list(
            Task.objects.filter(milestone=milestone, status__in=OPEN_TASK_STATES)
            .select_related("assignee")
            .only(*OPEN_TASK_FIELDS)
            .order_by("due_date", "number")[: OPEN_TASK_LIMIT + 1]
        )
        status_labels = dict(TaskStatus.choices)
        for task in open_tasks:
            task.project = project
            task.status_label = status_labels.get(task.status, task.status)
        context.update(
            open_tasks=open_tasks[:OPEN_TASK_LIMIT],
            open_tasks_more=len(open_tasks) > OPEN_TASK_LIMIT,
            open_task_limit=OPEN_TASK_LIMIT,
            task_list_url=reverse("delivery:list", kwargs={"key": project.key})
            + f"?milestone={milestone.pk}",
        )
    return render(request, "delivery/insights/milestone.html", context)


# Workload ------------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    hours: Decimal
    overloaded: bool
    label: str


@dataclass
class PersonChart:
    name: str
    y: int
    capacity_y: float
    capacity: Decimal
    bars: list[Bar]


@dataclass
class WorkloadChart:
    width: int
    height: int
    left: int
    row_height: int
    bar_area: int
    week_labels: list[Tick]
    rows: list[PersonChart]


ROW_HEIGHT, ROW_GAP, NAME_WIDTH, BAR_AREA_WIDTH = 64, 16, 140, 480


def workload_chart(load: Workload) -> WorkloadChart | None:
    """A row per person, a bar per week scaled to the largest figure, the capacity as a line;
    bars over capacity are marked (colour and a "!" label, and the table says it in words)."""
    if not load.people:
        return None
    top = max(load.max_hours, Decimal(1))
    slot = BAR_AREA_WIDTH / len(load.weeks)
    header = 20
    rows = []
    for index, person in enumerate(load.people):
        y0 = header + index * (ROW_HEIGHT + ROW_GAP)

        def y_of(hours: Decimal, y0: int = y0) -> float:
            return round(y0 + ROW_HEIGHT * float(1 - hours / top), 1)

        bars = []
        for n, week in enumerate(person.weeks):
            y = y_of(week.hours)
            bars.append(
                Bar(
                    x=round(NAME_WIDTH + n * slot + slot * 0.15, 1),
                    y=y,
                    width=round(slot * 0.7, 1),
                    height=round(y0 + ROW_HEIGHT - y, 1),
                    hours=week.hours,
                    overloaded=week.overloaded,
                    label=_date_label(week.week),
                )
            )
        rows.append(
            PersonChart(
                name=person.name,
                y=y0,
                capacity_y=y_of(person.capacity),
                capacity=person.capacity,
                bars=bars,
            )
        )
    week_labels = [
        Tick(round(NAME_WIDTH + n * slot + slot / 2, 1), 12, _date_label(week))
        for n, week in enumerate(load.weeks)
    ]
    return WorkloadChart(
        width=NAME_WIDTH + BAR_AREA_WIDTH + 8,
        height=header + len(rows) * (ROW_HEIGHT + ROW_GAP),
        left=NAME_WIDTH,
        row_height=ROW_HEIGHT,
        bar_area=BAR_AREA_WIDTH,
        week_labels=week_labels,
        rows=rows,
    )


@login_required
def workload_page(request: HttpRequest, key: str) -> HttpResponse:
    project = _project(request, key)
    if not policies.can_view_tasks(request.user, project):
        # Tasks are internal: for a client this page does not exist.
        raise Http404
    load = workload(project)
    context = project_context(request, project, "tasks")
    context.update(
        load=load,
        chart=workload_chart(load),
        can_edit_tasks=policies.can_edit_tasks(request.user, project),
    )
    return render(request, "delivery/insights/workload.html", context)


class CapacityForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=None)
    hours_per_week = forms.DecimalField(
        label=gettext_lazy("Hours per week"),
        min_value=0,
        max_value=168,
        decimal_places=1,
        help_text=gettext_lazy("Across all projects; 40 when never set."),
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = get_user_model().objects.filter(pk__in=[p.pk for p in people])
        field.label_from_instance = lambda user: user.full_name or user.email


@login_required
@require_http_methods(GET_POST)
def capacity_edit(request: HttpRequest, key: str) -> HttpResponse:
    """A person sets their own weekly capacity; the project manager anyone's on the team."""
    project = _project(request, key)
    if not policies.can_view_tasks(request.user, project):
        raise Http404
    require(policies.can_edit_tasks(request.user, project))
    user = request.user
    team = team_of(project)
    manager = project_policies.can_manage_project(user, project)
    people = team if manager else [p for p in team if p.pk == user.pk]
    chosen = request.POST.get("person") or request.GET.get("person") or str(user.pk)
    person = next((p for p in people if str(p.pk) == chosen), None) or (
        people[0] if people else None
    )
    current = Capacity.objects.filter(user=person).first() if person else None
    initial = {
        "person": person.pk if person else None,
        "hours_per_week": current.hours_per_week if current else Decimal(40),
    }
    form = CapacityForm(request.POST or None, initial=initial, people=people)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.capacity_set(
                    actor=user,
                    user=form.cleaned_data["person"],
                    hours_per_week=form.cleaned_data["hours_per_week"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                chosen_person = form.cleaned_data["person"]
                messages.success(
                    request,
                    _("Capacity of %(name)s saved: %(hours)s hours a week.")
                    % {
                        "name": chosen_person.full_name or chosen_person.email,
                        "hours": form.cleaned_data["hours_per_week"],
                    },
                )
                return redirect("delivery:workload", key=project.key)
    context = project_context(request, project, "tasks")
    context.update(form=form, people=people, can_choose=manager)
    return render(request, "delivery/insights/capacity.html", context, status=status)


# A risk's response action becomes a task -----------------------------------------------------


@login_required
@require_POST
def task_from_action(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    project = _project(request, key)
    if not policies.can_view_tasks(request.user, project):
        raise Http404
    action = (
        ResponseAction.objects.filter(pk=pk, risk__project=project)
        .select_related("risk", "risk__project")
        .first()
    )
    if action is None:
        raise Http404
    require(policies.can_edit_tasks(request.user, project))
    risk_url = reverse("risks:detail", kwargs={"key": project.key, "number": action.risk.number})
    try:
        task = services.task_from_response_action(actor=request.user, action=action)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"{risk_url}#actions")
    messages.success(
        request, _("Task %(key)s was made from the response action.") % {"key": task.key}
    )
    return redirect(reverse("delivery:detail", kwargs={"key": project.key, "number": task.number}))


# Project overview ----------------------------------------------------------------------------


def overview_card(user: Any, project: Project) -> dict[str, Any]:
    """The delivery card of the project overview. The team: overdue tasks (count and the first
    few), overdue milestones and the progress of the next open milestones. A client: the
    progress of the open milestones shared with them, nothing about tasks. Counting a big
    project's tasks is costly, so the card is reused until the project's history grows: the
    same for everyone who reads tasks, and for every client."""
    today = timezone.localdate()
    team = policies.can_view_tasks(user, project)
    return remember(
        project.pk,
        f"delivery-card:{'team' if team else 'client'}:{today.isoformat()}",
        lambda: _overview_card(user, project, team, today),
    )


def _overview_card(user: Any, project: Project, team: bool, today: dt.date) -> dict[str, Any]:
    """Three queries for the team, one for a client, whatever the data."""
    milestones = project_selectors.milestone_list(user=user, project=project).filter(
        status__in=OPEN_MILESTONES
    )
    # The progress counted in the same query as the milestones.
    upcoming = list(
        milestones.order_by("due_date", "number").annotate(
            task_total=Count("tasks"),
            task_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        )[:CARD_LIMIT]
    )
    rows = []
    for milestone in upcoming:
        milestone.project = project
        progress = MilestoneProgress(
            milestone_id=milestone.pk, total=milestone.task_total, done=milestone.task_done
        )
        rows.append({"milestone": milestone, "progress": progress})
    card: dict[str, Any] = {"team": team, "milestones": rows}
    if team:
        # The first few overdue tasks, each row carrying the count of all of them.
        first = list(
            Task.objects.filter(project=project, status__in=OPEN_TASK_STATES, due_date__lt=today)
            .select_related("assignee")
            .only("id", "number", "title", "due_date", "assignee__full_name", "assignee__email")
            .annotate(overdue_total=Window(Count("pk")))
            .order_by("due_date", "number")[:CARD_LIMIT]
        )
        for task in first:
            task.project = project
        card.update(
            overdue_tasks=first[0].overdue_total if first else 0,
            overdue_task_list=first,
            overdue_milestones=milestones.filter(due_date__lt=today).count(),
        )
    return card
