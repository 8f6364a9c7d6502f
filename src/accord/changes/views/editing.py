"""Raising, editing and assessing change requests, and the project's approval policy.

The redline is a formset of lines; each line names its requirement by number, resolved among
the requirements the user may see (a client only sees shared ones). A "change" line whose
proposed title is still empty is filled with the requirement's current wording first, so the
author edits what is there instead of retyping it; nothing is saved until the author saves
again. Refusals of the services show on the form with what was typed, naming the line.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.changes import policies, selectors, services
from accord.changes.choices import EDITABLE_STATES, ItemAction, Status
from accord.changes.forms import (
    REQUIREMENT_SELECT_LIMIT,
    AssessForm,
    ChangeForm,
    ItemFormSet,
    PolicyForm,
    ScheduleFormSet,
    criteria_text,
    item_initial,
)
from accord.changes.models import ChangeRequest
from accord.changes.views.common import GET_POST, context, detail_url, label, load
from accord.core import integers
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error
from accord.projects.models import Milestone, Project
from accord.projects.pages import require
from accord.requirements.choices import Priority
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.models import Requirement
from accord.risks.models import Risk

ITEMS_PREFIX = "items"
SCHEDULE_PREFIX = "schedule"


def _requirements(user: Any, project: Project) -> Any:
    return Requirement.objects.visible_in(project, user)


def _requirement_choices(user: Any, project: Project) -> list[tuple[int, str]] | None:
    """The requirements a line may name, as a list when there are few (one query)."""
    rows = list(
        _requirements(user, project)
        .exclude(status=RequirementStatus.WITHDRAWN)
        .order_by("number")
        .values_list("number", "title")[: REQUIREMENT_SELECT_LIMIT + 1]
    )
    if len(rows) > REQUIREMENT_SELECT_LIMIT:
        return None
    return [(number, f"{project.key}-R{number} {title}") for number, title in rows]


def _risks(user: Any, project: Project) -> Any:
    return Risk.objects.visible_in(project, user).order_by("number")


def _resolve(user: Any, project: Project, formset: Any) -> dict[int, Requirement] | None:
    """The requirements the lines name, by number; marks lines naming an unknown one."""
    numbers = {
        form.cleaned_data["requirement"]
        for _line, form in formset.used_forms()
        if form.cleaned_data.get("requirement")
    }
    found = {
        requirement.number: requirement
        for requirement in _requirements(user, project)
        .filter(number__in=numbers)
        .select_related("current_version")
    }
    ok = True
    for _line, form in formset.used_forms():
        number = form.cleaned_data.get("requirement")
        if number and number not in found:
            form.add_error(
                "requirement",
                _("There is no requirement %(key)s-R%(number)s in this project.")
                % {"key": project.key, "number": number},
            )
            ok = False
    return found if ok else None


def _current_content(requirement: Requirement) -> dict[str, Any]:
    version = requirement.current_version
    return dict(version.content) if version is not None else {}


def _prefill(formset: Any, found: dict[int, Requirement]) -> Any | None:
    """A new formset with the current wording filled into "change" lines whose proposed
    title is still empty, or None when no line needs it."""
    data = formset.data.copy()
    changed = False
    for _line, form in formset.used_forms():
        cleaned = form.cleaned_data
        if cleaned.get("action") != ItemAction.MODIFY or (cleaned.get("title") or "").strip():
            continue
        requirement = found.get(cleaned.get("requirement"))
        if requirement is None:
            continue
        content = _current_content(requirement)
        prefix = form.prefix
        data[f"{prefix}-title"] = content.get("title", "")
        data[f"{prefix}-background"] = content.get("background", "")
        data[f"{prefix}-description"] = content.get("description", "")
        data[f"{prefix}-priority"] = content.get("priority") or Priority.SHOULD
        data[f"{prefix}-criteria"] = criteria_text(content.get("acceptance_criteria"))
        changed = True
    if not changed:
        return None
    return ItemFormSet(data, prefix=ITEMS_PREFIX, requirement_choices=formset.requirement_choices)


def _items(formset: Any, found: dict[int, Requirement]) -> list[dict[str, Any]]:
    items = []
    for _line, form in formset.used_forms():
        data = form.cleaned_data
        action = data["action"]
        requirement = found.get(data.get("requirement")) if data.get("requirement") else None
        items.append(
            {
                "action": action,
                "requirement": requirement,
                "proposed": {} if action == ItemAction.WITHDRAW else form.proposed(),
                "note": data.get("note") or "",
            }
        )
    return items


def _initial_items(request: HttpRequest, user: Any, project: Project) -> list[dict[str, Any]]:
    """A new request may start from a requirement (?requirement=12): a "change" line with its
    current wording."""
    number = integers.number_in(request.GET.get("requirement", ""))
    if number is None:
        return []
    requirement = (
        _requirements(user, project).filter(number=number).select_related("current_version").first()
    )
    if requirement is None:
        return []
    content = _current_content(requirement)
    return [
        {
            "action": ItemAction.MODIFY,
            "requirement": str(requirement.number),
            "title": content.get("title", ""),
            "background": content.get("background", ""),
            "description": content.get("description", ""),
            "priority": content.get("priority") or Priority.SHOULD,
            "criteria": criteria_text(content.get("acceptance_criteria")),
        }
    ]


def _quiet(form: Any) -> Any:
    """A bound form shown again without checking it (its errors stay empty)."""
    form._errors = ErrorDict()
    form.cleaned_data = {}
    return form


def _form_page(
    request: HttpRequest,
    project: Project,
    form: ChangeForm,
    formset: Any,
    change: ChangeRequest | None,
    status: int,
    items_error: str = "",
) -> HttpResponse:
    page = context(request, project)
    if change is not None:
        label(change)
    page.update(form=form, formset=formset, change=change, items_error=items_error)
    return render(request, "changes/form.html", page, status=status)


def _save_request(
    request: HttpRequest, project: Project, change: ChangeRequest | None
) -> HttpResponse:
    """The create and edit pages share everything but the service they call."""
    user = request.user
    team = policies.can_assess(user, project)
    choices = _requirement_choices(user, project)
    risks = _risks(user, project) if team else None
    instance = copy.copy(change) if change is not None else ChangeRequest(project=project)
    if request.method != "POST":
        if change is not None:
            initial = [
                item_initial(item)
                for item in change.items.select_related("requirement").order_by("position")
            ]
        else:
            initial = _initial_items(request, user, project)
        form = ChangeForm(instance=instance, risks=risks, team=team)
        formset = ItemFormSet(prefix=ITEMS_PREFIX, initial=initial, requirement_choices=choices)
        return _form_page(request, project, form, formset, change, 200)

    form = ChangeForm(request.POST, instance=instance, risks=risks, team=team)
    if request.POST.get("more_lines"):
        # One more empty line; what was typed stays, nothing is checked or saved yet.
        data = request.POST.copy()
        total = f"{ITEMS_PREFIX}-TOTAL_FORMS"
        count = integers.number_in(data.get(total) or "") or 0
        data[total] = str(min(count + 1, 200))
        form = _quiet(ChangeForm(data, instance=instance, risks=risks, team=team))
        formset = ItemFormSet(data, prefix=ITEMS_PREFIX, requirement_choices=choices)
        for line in formset.forms:
            _quiet(line)
        return _form_page(request, project, form, formset, change, 200)
    formset = ItemFormSet(request.POST, prefix=ITEMS_PREFIX, requirement_choices=choices)
    if not (form.is_valid() and formset.is_valid()):
        return _form_page(request, project, form, formset, change, 400)
    found = _resolve(user, project, formset)
    if found is None:
        return _form_page(request, project, form, formset, change, 400)
    prefilled = _prefill(formset, found)
    if prefilled is not None:
        messages.info(
            request,
            _(
                "The current wording of the requirements to change was filled in. Change what "
                "should change, then save. Nothing was saved yet."
            ),
        )
        return _form_page(request, project, form, prefilled, change, 200)
    fields = form.fields_for_service()
    extra: dict[str, Any] = {"items": _items(formset, found)}
    if "source_risks" in form.cleaned_data:
        extra["source_risks"] = list(form.cleaned_data["source_risks"])
    try:
        if change is None:
            saved = services.change_create(actor=user, project=project, **extra, **fields)
        else:
            saved = services.change_update(
                actor=user,
                change=change,
                data=fields,
                expected_version=form.cleaned_data.get("version"),
                **extra,
            )
    except ApplicationError as exc:
        status = 409 if isinstance(exc, StaleObjectError) else 400
        if exc.field == "items":
            return _form_page(request, project, form, formset, change, status, exc.message)
        apply_error(form, exc)
        return _form_page(request, project, form, formset, change, status)
    if change is None:
        messages.success(request, _("Change request %(key)s was raised.") % {"key": saved.key})
    else:
        messages.success(request, _("Change request %(key)s was saved.") % {"key": saved.key})
    return redirect(detail_url(saved))


@login_required
@require_http_methods(GET_POST)
def change_create(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_raise(request.user, project))
    return _save_request(request, project, None)


@login_required
@require_http_methods(GET_POST)
def change_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, change = load(request, key, number)
    if not policies.can_edit(request.user, change):
        return _refused(request, project, change, _edit_refusal(change))
    return _save_request(request, project, change)


def _edit_refusal(change: ChangeRequest) -> str:
    if change.status not in EDITABLE_STATES:
        return _(
            "A change request that is “%(status)s” can no longer be edited: its content is "
            "what was decided."
        ) % {"status": Status(change.status).label}
    return _("You may not edit this change request.")


def _refused(
    request: HttpRequest, project: Project, change: ChangeRequest, reason: str
) -> HttpResponse:
    label(change)
    page = context(request, project)
    page.update(change=change, reason=reason)
    return render(request, "changes/refused.html", page, status=403)


# Assessment ----------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def change_assess(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The team's estimate: effort, cost, schedule shift per milestone, new risks."""
    project, change = load(request, key, number)
    user = request.user
    require(policies.can_assess(user, project))
    if change.status not in EDITABLE_STATES:
        return _refused(request, project, change, _edit_refusal(change))
    risks = _risks(user, project)
    milestones = Milestone.objects.visible_in(project, user).order_by("due_date", "number")
    status = 200
    if request.method == "POST":
        form = AssessForm(request.POST, instance=copy.copy(change), risks=risks)
        schedule = ScheduleFormSet(request.POST, prefix=SCHEDULE_PREFIX, milestones=milestones)
        status = 400
        if form.is_valid() and schedule.is_valid():
            try:
                services.change_update(
                    actor=user,
                    change=change,
                    data=form.fields_for_service(),
                    schedule=schedule.entries(),
                    new_risks=list(form.cleaned_data["new_risks"]),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = 409 if isinstance(exc, StaleObjectError) else 400
            else:
                messages.success(
                    request, _("The assessment of %(key)s was saved.") % {"key": change.key}
                )
                return redirect(detail_url(change, "impact"))
    else:
        form = AssessForm(instance=copy.copy(change), risks=risks)
        schedule = ScheduleFormSet(
            prefix=SCHEDULE_PREFIX,
            milestones=milestones,
            initial=[
                {"milestone": row.milestone, "shift_days": row.shift_days, "note": row.note}
                for row in change.schedule_impacts.select_related("milestone")
            ],
        )
    label(change)
    page = context(request, project)
    page.update(form=form, schedule=schedule, change=change)
    return render(request, "changes/assess.html", page, status=status)


# Approval policy -----------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def policy_edit(request: HttpRequest, key: str) -> HttpResponse:
    """Who must approve the project's change requests (the project manager sets it)."""
    project = project_selectors.project_get(user=request.user, key=key)
    user = request.user
    require(policies.can_manage(user, project))
    policy = selectors.policy_for(project)
    members = (
        get_user_model()
        .objects.filter(memberships__project=project, is_active=True)
        .order_by("full_name", "email")
    )
    initial = {
        "require_manager": policy.require_manager,
        "client_approvals": policy.client_approvals,
        "board": list(selectors.board_ids(policy)),
        "board_approvals": policy.board_approvals,
        "allow_self_approval": policy.allow_self_approval,
        "decision_days": policy.decision_days,
        "version": policy.version if policy.pk else None,
    }
    form = PolicyForm(request.POST or None, initial=initial, members=members)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in ("board", "version")
            }
            try:
                services.policy_update(
                    actor=user,
                    project=project,
                    data=data,
                    board=list(form.cleaned_data["board"]),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = 409 if isinstance(exc, StaleObjectError) else 400
            else:
                messages.success(request, _("The approval policy was saved."))
                return redirect("changes:policy", key=project.key)
    page = context(request, project)
    page.update(form=form, policy=policy)
    return render(request, "changes/policy.html", page, status=status)
