"""A change request's page and the steps taken from it: workflow steps, the approvers'
decision page and applying the approved change.

Reads go through the selectors and `impact.change_impact`, writes through the services. A
request the user may not see answers 404; a step the user may not take on a visible request
answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.changes import impact as change_impact
from accord.changes import policies, selectors, services, workflow
from accord.changes.choices import ApproverSlot, Decision, Status, Transition
from accord.changes.forms import ApplyForm, DecideForm, TransitionForm
from accord.changes.models import ChangeRequest
from accord.changes.views.common import GET_POST, context, detail_url, label, labels, load
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error
from accord.projects.models import Project

HISTORY_LIMIT = 30
# Steps whose effect deserves a sentence on their confirmation page.
EFFECTS = {
    Transition.SUBMIT: lambda: _(
        "The request goes to the project team for assessment. From now on the client's people "
        "see it."
    ),
    Transition.START_ASSESSMENT: lambda: _(
        "The team estimates the effort, cost, schedule shift and new risks of the change."
    ),
    Transition.REQUEST_APPROVAL: lambda: _(
        "The approvers named by the project's approval policy are asked to decide, and are "
        "reminded when they take longer than the policy allows."
    ),
    Transition.BACK_TO_ASSESSMENT: lambda: _(
        "Approval stops; decisions given so far stay on record and count again only if the "
        "request is not edited before approval is requested again."
    ),
    Transition.DEFER: lambda: _("The request waits; it can be resumed for assessment later."),
    Transition.RESUME: lambda: _("The request goes back to the team for assessment."),
    Transition.START_IMPLEMENTATION: lambda: _(
        "The team starts the work; the requirements change when the change is applied."
    ),
    Transition.CLOSE: lambda: _("The request is closed; nothing more happens to it."),
    Transition.WITHDRAW: lambda: _(
        "The request is withdrawn and will not be decided. This cannot be undone."
    ),
}


def _steps(user: Any, change: ChangeRequest) -> list[dict[str, Any]]:
    key, number = change.project.key, change.number
    steps = []
    for name in workflow.available_transitions(user, change):
        steps.append(
            {
                "name": name,
                "label": str(Transition(name).label),
                "url": reverse(
                    "changes:transition",
                    kwargs={"key": key, "number": number, "transition": name},
                ),
                "danger": name == Transition.WITHDRAW,
            }
        )
    return steps


def _approvals(change: ChangeRequest, names: dict[str, dict[str, str]]) -> list[Any]:
    approvals = list(selectors.approval_list(change))
    for approval in approvals:
        approval.decision_label = names["decision"].get(approval.decision, approval.decision)
        approval.slot_label = names["slot"].get(approval.slot, approval.slot)
        approval.is_current = approval.content_hash == change.content_hash
    return approvals


def _pending(change: ChangeRequest, approvals: list[Any], names: dict[str, Any]) -> list[Any]:
    policy = selectors.policy_for(change.project)
    live = [approval for approval in approvals if approval.voided_at is None]
    return [
        {
            "slot": slot,
            "label": names["slot"].get(slot, slot),
            "needed": needed,
            "given": given,
            "open": max(needed - given, 0),
            "done": given >= needed,
        }
        for slot, needed, given in selectors.pending_slots(change, policy, live)
    ]


def _decision_block(user: Any, change: ChangeRequest) -> tuple[str | None, str]:
    """The slot the user may decide as, or why not (empty when the question does not arise)."""
    if change.status != Status.AWAITING_APPROVAL:
        return None, ""
    try:
        slot = selectors.decision_slot(user, change, selectors.policy_for(change.project))
    except ApplicationError as exc:
        return None, exc.message
    return slot, ""


def _page_context(request: HttpRequest, project: Project, change: ChangeRequest) -> dict:
    user = request.user
    page = context(request, project)
    names = labels()
    label(change, names)
    approvals = _approvals(change, names)
    slot, why_not = _decision_block(user, change)
    events = list(project_selectors.audit_events_of(user=user, target=change)[: HISTORY_LIMIT + 1])
    page.update(
        change=change,
        impact=change_impact.change_impact(change, user),
        approvals=approvals,
        pending=_pending(change, approvals, names),
        decision_slot=slot,
        decision_slot_label=names["slot"].get(slot, "") if slot else "",
        decision_refusal=why_not,
        steps=_steps(user, change),
        can_edit_change=policies.can_edit(user, change),
        can_assess_change=policies.can_assess(user, project)
        and change.status in (Status.SUBMITTED, Status.UNDER_ASSESSMENT, Status.AWAITING_APPROVAL),
        can_apply=policies.can_apply(user, change),
        rows=[(event, project_selectors.field_changes(event)) for event in events[:HISTORY_LIMIT]],
        history_more=len(events) > HISTORY_LIMIT,
        history_limit=HISTORY_LIMIT,
        source_risks=_visible_risks(user, project, change.source_risks),
        problems=_visible_problems(user, project, change),
        list_url=reverse("changes:list", kwargs={"key": project.key}),
    )
    return page


def _visible_risks(user: Any, project: Project, manager: Any) -> list[Any]:
    from accord.risks.models import Risk

    risks = list(
        Risk.objects.visible_in(project, user)
        .filter(pk__in=manager.values("pk"))
        .only("id", "project_id", "number", "title", "visibility")
        .order_by("number")
    )
    for risk in risks:
        risk.project = project
    return risks


# How many linked problems the page lists (a change request comes from one or two).
PROBLEM_LIMIT = 50


def _visible_problems(user: Any, project: Project, change: ChangeRequest) -> list[Any]:
    """The problems the request came from that the user may see (clients: shared ones only),
    by number, in one query."""
    from accord.risks.models import Problem

    problems = list(
        Problem.objects.visible_in(project, user)
        .filter(change_requests=change)
        .only("id", "project_id", "number", "title", "status", "visibility")
        .order_by("number")[:PROBLEM_LIMIT]
    )
    for problem in problems:
        problem.project = project
    return problems


@login_required
def change_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, change = load(request, key, number)
    return render(request, "changes/detail.html", _page_context(request, project, change))


# Workflow steps ------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def change_transition(request: HttpRequest, key: str, number: int, transition: str) -> HttpResponse:
    """GET: what the step does; POST: take it."""
    project, change = load(request, key, number)
    if transition not in Transition.values:
        raise Http404
    if transition == Transition.IMPLEMENT:
        return redirect("changes:apply", key=project.key, number=change.number)
    user = request.user
    if not workflow.can_fire(user, change, transition):
        return _refused_step(request, project, change, transition)
    form = TransitionForm(request.POST or None, initial={"version": change.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.change_transition(
                actor=user,
                change=change,
                transition=transition,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
            status = 409 if isinstance(exc, StaleObjectError) else 400
        else:
            messages.success(
                request,
                _("%(key)s: %(step)s — done.")
                % {"key": change.key, "step": Transition(transition).label},
            )
            return redirect(detail_url(change))
    names = labels()
    label(change, names)
    page = context(request, project)
    page.update(
        change=change,
        form=form,
        transition=transition,
        transition_label=str(Transition(transition).label),
        target_label=names["status"][workflow.target_state(transition)],
        effect=EFFECTS[transition]() if transition in EFFECTS else "",
    )
    return render(request, "changes/transition_confirm.html", page, status=status)


def _refused_step(
    request: HttpRequest, project: Project, change: ChangeRequest, transition: str
) -> HttpResponse:
    """A step the user may not take (here and now): 403 with the reason."""
    try:
        workflow.check_transition(request.user, change, transition)
    except ApplicationError as exc:
        reason = exc.message
    else:  # pragma: no cover - can_fire and check_transition agree
        reason = ""
    label(change)
    page = context(request, project)
    page.update(change=change, reason=reason)
    return render(request, "changes/refused.html", page, status=403)


# Decisions -----------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def change_decide(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The approver's page: the content, its diff and impact, the hash they sign, and approve
    or reject with a comment."""
    project, change = load(request, key, number)
    user = request.user
    slot, why_not = _decision_block(user, change)
    if slot is None:
        label(change)
        page = context(request, project)
        page.update(
            change=change,
            reason=why_not
            or _("This change request is not awaiting approval: it is “%(status)s”.")
            % {"status": change.status_label},
        )
        return render(request, "changes/refused.html", page, status=403)
    initial = {"expected_hash": change.content_hash, "decision": Decision.APPROVED}
    form = DecideForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            try:
                services.change_decide(
                    actor=user,
                    change=change,
                    decision=decision,
                    comment=form.cleaned_data["comment"],
                    expected_hash=form.cleaned_data["expected_hash"],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = 409 if isinstance(exc, StaleObjectError) else 400
            else:
                if decision == Decision.APPROVED:
                    text = _("You approved %(key)s (content hash %(hash)s).")
                else:
                    text = _("You rejected %(key)s (content hash %(hash)s).")
                messages.success(request, text % {"key": change.key, "hash": change.content_hash})
                return redirect(detail_url(change, "approvals"))
        # The page shows the request as stored now (another edit may have changed it).
        project, change = load(request, key, number)
    page = _page_context(request, project, change)
    # A client approver signs the whole hash: with lines hidden from them, only rejecting is
    # offered (the service refuses an approval anyway).
    hidden = selectors.hidden_from_client(change) if slot == ApproverSlot.CLIENT else {}
    page.update(
        form=form,
        slot_label=labels()["slot"].get(slot, slot),
        hidden_count=sum(len(names) for names in hidden.values()),
    )
    return render(request, "changes/decide.html", page, status=status)


# Applying ------------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def change_apply(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The project manager applies the approved change: new requirement versions, added and
    withdrawn requirements, optionally a baseline and tasks; exactly once."""
    project, change = load(request, key, number)
    user = request.user
    if not policies.can_manage(user, project):
        label(change)
        page = context(request, project)
        page.update(change=change, reason=_("Only the project manager applies an approved change."))
        return render(request, "changes/refused.html", page, status=403)
    form = ApplyForm(
        request.POST or None,
        initial={"version": change.version, "record_baseline": True},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.change_apply(
                    actor=user,
                    change=change,
                    record_baseline=data["record_baseline"],
                    baseline_name=data["baseline_name"],
                    create_tasks=data["create_tasks"],
                    expected_version=data.get("version"),
                )
            except ApplicationError as exc:
                apply_error(form, exc)
                status = 409 if isinstance(exc, StaleObjectError) else 400
            else:
                messages.success(
                    request,
                    _("%(key)s was applied: the requirements now read as approved.")
                    % {"key": change.key},
                )
                return redirect(detail_url(change))
        project, change = load(request, key, number)
    page = _page_context(request, project, change)
    page.update(
        form=form,
        applicable=change.status in (Status.APPROVED, Status.IN_IMPLEMENTATION),
    )
    return render(request, "changes/apply.html", page, status=status)
