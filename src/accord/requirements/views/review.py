"""Requirement pages: review.

The project manager submits requirements for the client's review with a message; the client
approvers read what awaits them on the review page and confirm, return or reject each one, or
confirm several at once from an explicit list. Every decision is bound to the hash of the
version the approver read: if the requirement changed meanwhile the decision is refused.
The team reads the review page too, to see what awaits the client.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accord.core import integers
from accord.core.exceptions import ApplicationError
from accord.projects import selectors as project_selectors
from accord.projects.choices import Role
from accord.projects.forms import apply_error
from accord.projects.models import Membership, Project
from accord.projects.pages import paginate, project_context, require
from accord.requirements import compare, policies, selectors, services
from accord.requirements.choices import Decision, Status
from accord.requirements.forms_review import BulkConfirmForm, DecisionForm, SubmitForm
from accord.requirements.models import ClientDecision, Requirement, Submission

GET_POST = ["GET", "POST"]
RECENT_DECISIONS = 10


def _by_numbers(request: HttpRequest, project: Project, numbers: list[int]) -> list[Requirement]:
    """The requirements with these numbers the user may see; refuses if any is unknown."""
    found = list(
        selectors.requirement_list(user=request.user, project=project)
        .filter(number__in=numbers)
        .order_by("number")
    )
    if len(found) != len(numbers):
        missing = sorted(set(numbers) - {r.number for r in found})
        raise ApplicationError(
            _("There is no requirement %(keys)s in this project.")
            % {"keys": ", ".join(f"{project.key}-R{n}" for n in missing)},
            field="r",
        )
    return found


def _with_diff(requirements: list[Requirement]) -> None:
    """Give each requirement `readable` (its current content as the reader sees it) and
    `changes` against what the client last decided on: the confirmed version, or else the
    version they returned. `compared` is that version and `compared_returned` says which."""
    returned = _last_returned_versions([r for r in requirements if not r.confirmed_version_id])
    for requirement in requirements:
        version = requirement.current_version
        requirement.readable = compare.readable(version.content) if version else {}
        compared = requirement.confirmed_version or returned.get(requirement.pk)
        requirement.compared = compared
        requirement.compared_returned = requirement.confirmed_version is None
        requirement.changes = []
        if version and compared and compared.pk != version.pk:
            requirement.changes = [
                diff for diff in compare.version_diff(compared, version) if diff.changed
            ]


def _last_returned_versions(requirements: list[Requirement]) -> dict[int, Any]:
    """The version each requirement was last returned on; one query for all of them."""
    if not requirements:
        return {}
    decisions = (
        ClientDecision.objects.filter(
            requirement__in=[r.pk for r in requirements], decision=Decision.RETURNED
        )
        .select_related("version")
        .order_by("requirement_id", "-decided_at", "-id")
    )
    latest: dict[int, Any] = {}
    for decision in decisions:
        latest.setdefault(decision.requirement_id, decision.version)
    return latest


# Submitting for review ----------------------------------------------------------------------


def submittable(user: Any, project: Project) -> Any:
    """Requirements the manager may put before the client now: in internal review, returned,
    or confirmed and changed since."""
    return (
        selectors.requirement_list(user=user, project=project)
        .filter(
            Q(status__in=[Status.IN_REVIEW, Status.RETURNED])
            | Q(status=Status.CONFIRMED, changed_since_confirmation=True)
        )
        .select_related("current_version")
        .order_by("number")
    )


def _numbers_from(values: list[str]) -> list[int]:
    return integers.numbers_in(values)


@login_required
@require_http_methods(GET_POST)
def submit(request: HttpRequest, key: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    require(policies.can_submit(request.user, project))
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chosen = _by_numbers(request, project, form.cleaned_data["r"])
            services.requirements_submit(
                actor=request.user,
                project=project,
                requirements=chosen,
                message=form.cleaned_data["message"],
            )
        except ApplicationError as exc:
            form.add_error("r" if exc.field in ("r", "requirements") else None, exc.message)
        else:
            count = len(chosen)
            messages.success(
                request,
                _(
                    "%(count)s requirement(s) were submitted to the client. The client "
                    "approvers have been notified."
                )
                % {"count": count},
            )
            return redirect("requirements:review", key=project.key)
    selected_numbers = (
        _numbers_from(request.POST.getlist("r"))
        if request.method == "POST"
        else _numbers_from(request.GET.getlist("r"))
    )
    candidates = submittable(request.user, project)
    selected = list(candidates.filter(number__in=selected_numbers)) if selected_numbers else []
    unavailable = sorted(set(selected_numbers) - {r.number for r in selected})
    page = paginate(request, candidates.exclude(number__in=selected_numbers))
    context = project_context(request, project, "requirements")
    context.update(
        form=form,
        selected=selected,
        unavailable=[f"{project.key}-R{n}" for n in unavailable],
        page_obj=page,
        others=page.object_list,
        has_approvers=Membership.objects.filter(
            project=project, role=Role.CLIENT, can_approve=True
        ).exists(),
    )
    return render(
        request, "requirements/submit.html", context, status=400 if form.is_bound else 200
    )


# The review page ----------------------------------------------------------------------------


def _awaiting(user: Any, project: Project) -> Any:
    """What awaits the client, newest submission first, with both versions for the diff."""
    return (
        selectors.awaiting_client(user=user, project=project)
        .select_related("confirmed_version")
        .annotate(last_submission=Max("submission_items__submission"))
        .order_by("-last_submission", "number")
    )


def _groups(requirements: list[Requirement]) -> list[tuple[Submission | None, list[Requirement]]]:
    """The page's requirements under the submission that last put them before the client."""
    ids = {r.last_submission for r in requirements if r.last_submission}
    submissions = Submission.objects.select_related("submitted_by").in_bulk(ids)
    return [
        (submissions.get(submission_id), list(items))
        for submission_id, items in groupby(requirements, key=lambda r: r.last_submission)
    ]


def _recent_decisions(user: Any, project: Project) -> list[ClientDecision]:
    visible = selectors.requirement_list(user=user, project=project).values("pk")
    decisions = (
        ClientDecision.objects.filter(requirement__in=visible)
        .select_related("decided_by", "version", "requirement")
        .order_by("-decided_at", "-id")[:RECENT_DECISIONS]
    )
    labels = dict(Decision.choices)
    result = list(decisions)
    for decision in result:
        decision.requirement.project = project
        decision.label = labels.get(decision.decision, decision.decision)
    return result


def _review_page(
    request: HttpRequest, project: Project, bulk_form: BulkConfirmForm | None = None, status=200
) -> HttpResponse:
    user = request.user
    page = paginate(request, _awaiting(user, project))
    requirements = list(page.object_list)
    for requirement in requirements:
        requirement.project = project
    _with_diff(requirements)
    can_decide = policies.can_decide(user, project)
    context = project_context(request, project, "review")
    context.update(
        page_obj=page,
        groups=_groups(requirements),
        can_decide=can_decide,
        can_submit=policies.can_submit(user, project),
        bulk_form=bulk_form or BulkConfirmForm(),
        decisions=_recent_decisions(user, project),
    )
    return render(request, "requirements/review.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def review(request: HttpRequest, key: str) -> HttpResponse:
    """GET: what awaits the client. POST: confirm the ticked requirements (approvers)."""
    project = project_selectors.project_get(user=request.user, key=key)
    if request.method == "GET":
        return _review_page(request, project)
    require(policies.can_decide(request.user, project))
    form = BulkConfirmForm(request.POST)
    if form.is_valid():
        try:
            chosen = _by_numbers(request, project, form.cleaned_data["r"])
            made = services.requirements_confirm(
                actor=request.user,
                project=project,
                requirements=chosen,
                comment=form.cleaned_data["comment"],
                expected_hashes=form.expected_hashes(),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("You confirmed %(keys)s. Each confirmation records the version you read.")
                % {"keys": ", ".join(f"{project.key}-R{d.requirement.number}" for d in made)},
            )
            return redirect("requirements:review", key=project.key)
    return _review_page(request, project, bulk_form=form, status=400)


# One decision -------------------------------------------------------------------------------

DECISIONS = {
    Decision.CONFIRMED: services.requirement_confirm,
    Decision.RETURNED: services.requirement_return,
    Decision.REJECTED: services.requirement_reject,
}


def _decision(request: HttpRequest, key: str, number: int, decision: str) -> HttpResponse:
    project = project_selectors.project_get(user=request.user, key=key)
    requirement = selectors.requirement_get(user=request.user, project=project, number=number)
    requirement.project = project
    require(policies.can_decide(request.user, project))
    comment_required = decision != Decision.CONFIRMED
    form = DecisionForm(request.POST or None, comment_required=comment_required)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                made = DECISIONS[decision](
                    actor=request.user,
                    requirement=requirement,
                    expected_hash=form.cleaned_data["expected_hash"],
                    comment=form.cleaned_data["comment"],
                )
            except ApplicationError as exc:
                if exc.field == "expected_hash":
                    # Show what the requirement says now, and bind the next try to it.
                    requirement = selectors.requirement_get(
                        user=request.user, project=project, number=number
                    )
                    requirement.project = project
                    data = form.data.copy()
                    data["expected_hash"] = requirement.current_version.content_hash
                    form = DecisionForm(data, comment_required=comment_required)
                    form.is_valid()
                    form.add_error(
                        None,
                        _(
                            "The requirement changed since you opened it, so nothing was "
                            "recorded. Read the current version below and decide again."
                        ),
                    )
                    status = 409
                else:
                    apply_error(form, exc)
            else:
                messages.success(request, _decision_message(made, project))
                return redirect("requirements:review", key=project.key)
    else:
        form.initial["expected_hash"] = (
            requirement.current_version.content_hash if requirement.current_version else ""
        )
    _with_diff([requirement])
    context = project_context(request, project, "review")
    context.update(
        requirement=requirement,
        version=requirement.current_version,
        decision=decision,
        form=form,
        awaiting=requirement.status == Status.SUBMITTED,
        status_label=Status(requirement.status).label,
        criteria=compare.criteria_lines(
            requirement.current_version.content.get(compare.CRITERIA)
            if requirement.current_version
            else []
        ),
    )
    return render(request, "requirements/decision.html", context, status=status)


def _decision_message(made: ClientDecision, project: Project) -> str:
    values = {
        "key": f"{project.key}-R{made.requirement.number}",
        "version": made.version.number,
        "hash": made.content_hash,
    }
    if made.decision == Decision.CONFIRMED:
        return _("You confirmed %(key)s version %(version)s (content hash %(hash)s).") % values
    if made.decision == Decision.RETURNED:
        return _("You returned %(key)s version %(version)s to the team with your comment.") % values
    return _("You rejected %(key)s version %(version)s.") % values


@login_required
@require_http_methods(GET_POST)
def confirm(request: HttpRequest, key: str, number: int) -> HttpResponse:
    return _decision(request, key, number, Decision.CONFIRMED)


@login_required
@require_http_methods(GET_POST)
def return_(request: HttpRequest, key: str, number: int) -> HttpResponse:
    return _decision(request, key, number, Decision.RETURNED)


@login_required
@require_http_methods(GET_POST)
def reject(request: HttpRequest, key: str, number: int) -> HttpResponse:
    return _decision(request, key, number, Decision.REJECTED)
