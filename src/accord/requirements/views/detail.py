"""Requirement pages: detail.

One requirement with everything around it (criteria and their verification, versions and
confirmations, links, discussion, history), a version on its own, the comparison of two
versions, and the small writes the page offers: workflow steps, comments, links and criterion
verification. Reads go through the selectors, writes through the services; a requirement the
user may not see answers 404, a forbidden action on a visible one 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.changes import policies as change_policies
from accord.core.exceptions import ApplicationError
from accord.notifications.mentions import mention_handle
from accord.projects import policies as project_policies
from accord.projects import selectors as project_selectors
from accord.projects.forms import apply_error
from accord.projects.models import Project
from accord.projects.pages import SLOT, address_maker, project_context, require
from accord.requirements import compare, policies, selectors, services, workflow
from accord.requirements.choices import (
    AGREED_STATES,
    Decision,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Status,
    Transition,
)
from accord.requirements.forms_detail import (
    CommentForm,
    CriterionVerifyForm,
    DiffForm,
    LinkForm,
    TransitionForm,
)
from accord.requirements.models import Requirement, RequirementVersion

GET_POST = ["GET", "POST"]
# Steps with pages of their own: submitting for review, and the client's decisions.
OWN_PAGES = {
    Transition.SUBMIT: "requirements:submit",
    Transition.CONFIRM: "requirements:confirm",
    Transition.RETURN: "requirements:return",
    Transition.REJECT: "requirements:reject",
}
HISTORY_LIMIT = 30
# Stands in for a number or id in a reversed address; see `_address_maker`.


def _effect(transition: str) -> str:
    """What taking the step means, in a sentence, for its confirmation page."""
    effects = {
        Transition.SEND_TO_REVIEW: _(
            "The team reviews the requirement internally. The client does not see it yet."
        ),
        Transition.BACK_TO_DRAFT: _("The requirement goes back to draft for more work."),
        Transition.RECALL: _(
            "The requirement is taken back from the client's review; approvers can no longer "
            "confirm it until it is submitted again."
        ),
        Transition.REWORK: _(
            "The requirement becomes a draft again so the team can rework it; the client's "
            "comments stay in the discussion."
        ),
        Transition.MARK_IMPLEMENTED: _("The requirement is recorded as implemented."),
        Transition.VERIFY: _("The implementation is recorded as verified against the criteria."),
        Transition.REOPEN: _(
            "The requirement goes back to confirmed: its implementation is to be redone."
        ),
        Transition.ACCEPT: _(
            "You accept the implemented requirement on the client's behalf. This is recorded "
            "with your name and the time."
        ),
        Transition.WITHDRAW: _(
            "The requirement is withdrawn from the scope and hidden from the client. It can be "
            "reinstated as a draft later."
        ),
        Transition.REINSTATE: _("The withdrawn requirement comes back as a draft."),
    }
    return str(effects.get(transition, ""))


def _load(request: HttpRequest, key: str, number: int) -> tuple[Project, Requirement]:
    project = project_selectors.project_get(user=request.user, key=key)
    requirement = selectors.requirement_get(user=request.user, project=project, number=number)
    # One project object for the page: the policies' membership cache is keyed on it.
    requirement.project = project
    return project, requirement


def _base_context(request: HttpRequest, project: Project, requirement: Requirement) -> dict:
    context = project_context(request, project, "requirements")
    context.update(requirement=requirement, status_label=Status(requirement.status).label)
    return context


def _detail_url(requirement: Requirement, anchor: str = "") -> str:
    url = reverse(
        "requirements:detail",
        kwargs={"key": requirement.project.key, "number": requirement.number},
    )
    return f"{url}#{anchor}" if anchor else url


def _own_page_url(transition: str, requirement: Requirement) -> str:
    """The page of a step handled elsewhere: the submit page (with this requirement chosen)
    or the client's decision pages."""
    key, number = requirement.project.key, requirement.number
    if transition == Transition.SUBMIT:
        return reverse(OWN_PAGES[transition], kwargs={"key": key}) + f"?r={number}"
    return reverse(OWN_PAGES[transition], kwargs={"key": key, "number": number})


@dataclass
class Step:
    """A workflow step offered on the page."""

    transition: str
    label: str
    url: str
    primary: bool = False


def _steps(user: Any, requirement: Requirement) -> list[Step]:
    steps = []
    transition_url = reverse(
        "requirements:transition",
        kwargs={"key": requirement.project.key, "number": requirement.number},
    )
    for name in workflow.available_transitions(user, requirement):
        label = str(Transition(name).label)
        if name in OWN_PAGES:
            steps.append(Step(name, label, _own_page_url(name, requirement), primary=True))
            continue
        steps.append(Step(name, label, f"{transition_url}?transition={name}"))
    return steps


@dataclass
class LinkGroup:
    kind: str
    label: str
    outgoing: list[Any] = field(default_factory=list)
    incoming: list[Any] = field(default_factory=list)


def _link_groups(
    user: Any, requirement: Requirement, detail_of: Any, can_edit: bool
) -> list[LinkGroup]:
    groups = {kind: LinkGroup(kind, str(label)) for kind, label in LinkKind.choices}
    delete_url = address_maker(
        "requirements:link-delete",
        key=requirement.project.key,
        number=requirement.number,
        pk=SLOT,
    )
    for direction, link in selectors.link_list(user=user, requirement=requirement):
        group = groups[link.kind]
        link.other = link.target if direction == "out" else link.source
        link.other_url = detail_of(link.other.number)
        if can_edit:
            link.delete_url = delete_url(link.pk)
        (group.outgoing if direction == "out" else group.incoming).append(link)
    return [group for group in groups.values() if group.outgoing or group.incoming]


def _is_web_address(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _versions_with_previous(versions: list[RequirementVersion]) -> list[RequirementVersion]:
    """Newest first; each version learns the one before it among those listed (for a client,
    the previous version they were shown)."""
    for index, version in enumerate(versions):
        older = versions[index + 1] if index + 1 < len(versions) else None
        version.previous_number = older.number if older is not None else None
    return versions


def _facts(requirement: Requirement) -> dict[str, str]:
    """Choice labels looked up once (get_FOO_display() hashes every lazy label per call)."""
    return {
        "type": str(dict(RequirementType.choices).get(requirement.type, requirement.type)),
        "quality_attribute": str(
            dict(QualityAttribute.choices).get(requirement.quality_attribute, "")
        ),
        "priority": str(dict(Priority.choices).get(requirement.priority, requirement.priority)),
        "source": str(dict(Source.choices).get(requirement.source, requirement.source)),
    }


def _detail_page(
    request: HttpRequest,
    project: Project,
    requirement: Requirement,
    *,
    comment_form: CommentForm | None = None,
    link_form: LinkForm | None = None,
    verify_form: CriterionVerifyForm | None = None,
    verify_pk: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    context = _base_context(request, project, requirement)
    internal = context["can_view_internal"]
    can_edit = policies.can_edit_requirements(user, project)
    can_comment = policies.can_comment(user, requirement)

    key, number = project.key, requirement.number
    detail_of = address_maker("requirements:detail", key=key, number=SLOT)
    version_url = address_maker("requirements:version", key=key, number=number, version=SLOT)
    diff_url = reverse("requirements:diff", kwargs={"key": key, "number": number})

    criteria = selectors.criteria_of(requirement)
    if can_edit:
        verify_url = address_maker("requirements:criterion-verify", key=key, number=number, pk=SLOT)
        for criterion in criteria:
            criterion.verify_url = verify_url(criterion.pk)
            # The form object only to show a refused entry again; the others are plain inputs.
            criterion.verify_form = verify_form if criterion.pk == verify_pk else None

    versions = _versions_with_previous(
        list(selectors.version_list(user=user, requirement=requirement))
    )
    for version in versions:
        version.url = version_url(version.number)
        if version.previous_number:
            version.diff_url = f"{diff_url}?from={version.previous_number}&to={version.number}"
    decisions = list(selectors.decision_list(requirement=requirement))
    decision_labels = dict(Decision.choices)
    # Each version's confirmations come from the decisions already read: no query per row.
    confirmations: dict[int, list[Any]] = {}
    for decision in decisions:
        decision.label = str(decision_labels.get(decision.decision, decision.decision))
        decision.version_url = version_url(decision.version.number)
        if decision.decision == Decision.CONFIRMED:
            confirmations.setdefault(decision.version_id, []).append(decision)
    for version in versions:
        version.confirmations = confirmations.get(version.pk, [])

    comments = list(selectors.comment_list(user=user, requirement=requirement))
    comment_delete_url = address_maker(
        "requirements:comment-delete", key=key, number=number, pk=SLOT
    )
    for comment in comments:
        if comment.author_id == user.pk or context["can_manage"]:
            comment.delete_url = comment_delete_url(comment.pk)

    # The parent and the children, as far as the user may see them: a client sees neither a
    # draft parent nor draft children.
    parent = requirement.parent
    if parent is not None and not (internal or parent.is_shared):
        parent = None
    children = list(
        selectors.children_of(user=user, requirement=requirement).only(
            "pk", "number", "title", "status", "project"
        )
    )
    status_labels = dict(Status.choices)
    for child in children:
        child.status_label = status_labels.get(child.status, child.status)
        child.url = detail_of(child.number)

    # One more than shown, to know whether older records exist.
    events = list(
        project_selectors.audit_events_of(user=user, target=requirement)[: HISTORY_LIMIT + 1]
    )
    history_more = len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT]
    handles = []
    if can_comment:
        # Only the two columns a handle needs: a big project has many members.
        members = (
            get_user_model()
            .objects.filter(memberships__project=project)
            .only("email", "full_name")
            .order_by("full_name", "email")
        )
        handles = [(mention_handle(member), str(member)) for member in members]
    if comment_form is None and can_comment:
        comment_form = CommentForm(choose_visibility=_chooses_visibility(user, requirement))
    if link_form is None and can_edit:
        link_form = LinkForm(project_key=project.key)

    context.update(
        facts=_facts(requirement),
        source_is_link=_is_web_address(requirement.source_reference),
        parent=parent,
        children=children,
        tags=list(requirement.tags.all()),
        criteria=criteria,
        versions=versions,
        # The newest version the user may see (for a client: the newest shown to them).
        current=versions[0] if versions else None,
        confirmed=requirement.confirmed_version,
        decisions=decisions,
        comments=comments,
        parent_url=detail_of(parent.number) if parent is not None else None,
        diff_url=diff_url,
        link_groups=_link_groups(user, requirement, detail_of, can_edit),
        rows=[(event, project_selectors.field_changes(event)) for event in events],
        history_more=history_more,
        history_limit=HISTORY_LIMIT,
        steps=_steps(user, requirement),
        can_edit_requirement=can_edit,
        can_comment=can_comment,
        comment_form=comment_form,
        link_form=link_form,
        mention_handles=handles,
        edit_url=reverse("requirements:edit", kwargs={"key": key, "number": number}),
        requirement_list_url=reverse("requirements:list", kwargs={"key": key}),
        task_progress=_task_progress(requirement) if internal else None,
        # Agreed scope changes through a change request, which the client may raise too.
        can_propose_change=requirement.status in AGREED_STATES
        and change_policies.can_raise(user, project),
    )
    return render(request, "requirements/detail.html", context, status=status)


def _task_progress(requirement: Requirement) -> Any:
    """Delivery: how many of the requirement's tasks are done (the team's view; one query)."""
    from accord.delivery.progress import requirement_progress

    return requirement_progress([requirement])[requirement.pk]


def _chooses_visibility(user: Any, requirement: Requirement) -> bool:
    """The team chooses who reads a comment once the requirement is shared with the client."""
    return requirement.is_shared and project_policies.can_view_internal(user, requirement.project)


# The requirement -----------------------------------------------------------------------------


@login_required
def requirement_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    return _detail_page(request, project, requirement)


@login_required
@require_http_methods(GET_POST)
def requirement_transition(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """GET: confirm a workflow step (what it does); POST: take it."""
    project, requirement = _load(request, key, number)
    user = request.user
    require(policies.can_edit_requirements(user, project) or policies.can_decide(user, project))
    offered = [
        name for name in workflow.available_transitions(user, requirement) if name not in OWN_PAGES
    ]
    if request.method == "POST":
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the steps offered for this requirement."))
            return redirect(_detail_url(requirement))
        transition = form.cleaned_data["transition"]
        if transition in OWN_PAGES:
            messages.error(request, _("This step has its own page; use the button for it."))
            return redirect(_detail_url(requirement))
        try:
            moved = services.requirement_transition(
                actor=user,
                requirement=requirement,
                transition=transition,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(requirement))
        messages.success(
            request,
            _("%(key)s: “%(step)s” done; it is now “%(status)s”.")
            % {
                "key": requirement.key,
                "step": Transition(transition).label,
                "status": Status(moved.status).label,
            },
        )
        return redirect(_detail_url(requirement))

    context = _base_context(request, project, requirement)
    chosen = request.GET.get("transition", "")
    if chosen:
        if chosen in OWN_PAGES or chosen not in offered:
            label = Transition(chosen).label if chosen in Transition.values else chosen
            messages.error(
                request,
                _("The step “%(step)s” is not available for %(key)s now.")
                % {"step": label, "key": requirement.key},
            )
            return redirect(_detail_url(requirement))
        context.update(
            transition=chosen,
            transition_label=Transition(chosen).label,
            target_label=Status(workflow.target_state(requirement, chosen)).label,
            effect=_effect(chosen),
            form=TransitionForm(initial={"transition": chosen, "version": requirement.version}),
        )
    else:
        context["choices"] = [
            (name, Transition(name).label, Status(workflow.target_state(requirement, name)).label)
            for name in offered
        ]
    return render(request, "requirements/transition_confirm.html", context)


# Versions ------------------------------------------------------------------------------------


@login_required
def version_detail(request: HttpRequest, key: str, number: int, version: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    shown = selectors.version_get(user=request.user, requirement=requirement, number=version)
    versions = list(selectors.version_list(user=request.user, requirement=requirement))
    numbers = [v.number for v in versions]
    older = [n for n in numbers if n < shown.number]
    content = compare.readable(shown.content)
    confirmations = [
        decision
        for decision in selectors.decision_list(requirement=requirement).filter(version=shown)
        if decision.decision == Decision.CONFIRMED
    ]
    context = _base_context(request, project, requirement)
    context.update(
        version=shown,
        fields=[(name, label, content.get(name)) for name, label in compare.field_labels()],
        criteria_lines=content[compare.CRITERIA],
        previous_number=max(older) if older else None,
        latest_number=numbers[0] if numbers else None,
        confirmations=confirmations,
        is_current=shown.pk == requirement.current_version_id,
        is_confirmed=shown.pk == requirement.confirmed_version_id,
    )
    return render(request, "requirements/version.html", context)


@login_required
def version_diff(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """Two versions side by side; by default the previous visible version and the newest."""
    project, requirement = _load(request, key, number)
    user = request.user
    form = DiffForm(request.GET)
    if not form.is_valid():
        raise Http404
    versions = list(selectors.version_list(user=user, requirement=requirement))
    by_number = {v.number: v for v in versions}
    to_number = form.cleaned_data.get("to_version") or (versions[0].number if versions else None)
    context = _base_context(request, project, requirement)
    context["version_numbers"] = [v.number for v in versions]
    if to_number is None or to_number not in by_number:
        if to_number is not None:
            raise Http404
        context["diffs"] = None
        return render(request, "requirements/diff.html", context)
    new = by_number[to_number]
    from_number = form.cleaned_data.get("from_version")
    if from_number is None:
        older = [v.number for v in versions if v.number < to_number]
        from_number = max(older) if older else None
    if from_number is None:
        context.update(new=new, old=None, diffs=None)
        return render(request, "requirements/diff.html", context)
    if from_number not in by_number:
        raise Http404
    old = by_number[from_number]
    diffs = compare.version_diff(old, new)
    context.update(old=old, new=new, diffs=diffs, stats=compare.stats_of(diffs))
    return render(request, "requirements/diff.html", context)


# Discussion ----------------------------------------------------------------------------------


@login_required
@require_POST
def comment_create(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    user = request.user
    require(policies.can_comment(user, requirement))
    form = CommentForm(request.POST, choose_visibility=_chooses_visibility(user, requirement))
    if form.is_valid():
        try:
            comment = services.comment_create(
                actor=user,
                requirement=requirement,
                body=form.cleaned_data["body"],
                # Without a choice, the author's own: shared for clients, internal for the
                # team on a requirement the client cannot see yet.
                visibility=form.cleaned_data.get("visibility") or None,
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Your comment was posted."))
            return redirect(_detail_url(requirement, f"comment-{comment.pk}"))
    return _detail_page(request, project, requirement, comment_form=form, status=400)


@login_required
@require_http_methods(GET_POST)
def comment_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    user = request.user
    comment = selectors.comment_list(user=user, requirement=requirement).filter(pk=pk).first()
    if comment is None:
        raise Http404
    require(comment.author_id == user.pk or project_policies.can_manage_project(user, project))
    if request.method == "POST":
        try:
            services.comment_delete(actor=user, comment=comment)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The comment was deleted."))
        return redirect(_detail_url(requirement, "discussion"))
    context = _base_context(request, project, requirement)
    context["comment"] = comment
    return render(request, "requirements/comment_delete.html", context)


# Links ---------------------------------------------------------------------------------------


@login_required
@require_POST
def link_create(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    user = request.user
    require(policies.can_edit_requirements(user, project))
    form = LinkForm(request.POST, project_key=project.key)
    if form.is_valid():
        target = (
            selectors.requirement_list(user=user, project=project)
            .filter(number=form.cleaned_data["target"])
            .first()
        )
        if target is None:
            form.add_error(
                "target",
                _("There is no requirement %(key)s-R%(number)s in this project.")
                % {"key": project.key, "number": form.cleaned_data["target"]},
            )
        else:
            try:
                services.link_create(
                    actor=user, source=requirement, target=target, kind=form.cleaned_data["kind"]
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(source)s now %(kind)s %(target)s.")
                    % {
                        "source": requirement.key,
                        "kind": LinkKind(form.cleaned_data["kind"]).label,
                        "target": target.key,
                    },
                )
                return redirect(_detail_url(requirement, "links"))
    return _detail_page(request, project, requirement, link_form=form, status=400)


@login_required
@require_http_methods(GET_POST)
def link_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    user = request.user
    links = selectors.link_list(user=user, requirement=requirement)
    found = next(((d, link) for d, link in links if link.pk == pk), None)
    if found is None:
        raise Http404
    direction, link = found
    require(policies.can_edit_requirements(user, project))
    if request.method == "POST":
        try:
            services.link_delete(actor=user, link=link)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The link was removed."))
        return redirect(_detail_url(requirement, "links"))
    context = _base_context(request, project, requirement)
    context.update(link=link, direction=direction, kind_label=LinkKind(link.kind).label)
    return render(request, "requirements/link_delete.html", context)


# Acceptance criteria -------------------------------------------------------------------------


@login_required
@require_POST
def criterion_verify(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    project, requirement = _load(request, key, number)
    user = request.user
    criterion = requirement.criteria.filter(pk=pk).first()
    if criterion is None:
        raise Http404
    require(policies.can_edit_requirements(user, project))
    form = CriterionVerifyForm(request.POST, criterion_pk=criterion.pk)
    if form.is_valid():
        try:
            services.criterion_verify(
                actor=user,
                criterion=criterion,
                verified=form.cleaned_data["verified"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if form.cleaned_data["verified"]:
                text = _("Criterion %(position)s is marked verified.")
            else:
                text = _("Criterion %(position)s is no longer marked verified.")
            messages.success(request, text % {"position": criterion.position})
            return redirect(_detail_url(requirement, f"criterion-{criterion.pk}"))
    return _detail_page(
        request, project, requirement, verify_form=form, verify_pk=criterion.pk, status=400
    )
