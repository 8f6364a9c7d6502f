"""Project pages: list, overview, members, invitations, milestones, settings, history.

Views parse input, ask the policies, call one service or selector and render. A project the
user may not see answers 404 like an unknown one; manager-only actions answer 403 to members.
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts.choices import Language
from accord.core.exceptions import ApplicationError
from accord.projects import policies, selectors, services
from accord.projects.choices import ProjectStatus, Role
from accord.projects.filters import AuditEventFilter, MilestoneFilter, ProjectFilter
from accord.projects.forms import (
    InvitationSignupForm,
    InviteForm,
    MembershipForm,
    MilestoneForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    apply_error,
)
from accord.projects.models import Invitation, Membership, Milestone, Project
from accord.projects.pages import paginate, project_context, require

GET_POST = ["GET", "POST"]


# Projects ------------------------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list(user=request.user)
    project_filter = ProjectFilter(request.GET or None, queryset=projects)
    page = paginate(request, project_filter.qs)
    can_create = policies.can_create_project(request.user)
    filtered = any(request.GET.get(name) for name in ("q", "status"))
    projects = list(page.object_list)
    # Labels looked up once per page: get_FOO_display() hashes every lazy label on every call.
    role_labels = dict(Role.choices)
    status_labels = dict(ProjectStatus.choices)
    for project in projects:
        project.status_label = status_labels.get(project.status, project.status)
        project.my_role_label = role_labels.get(project.my_role, "")  # "" for staff: "PMO"
    return render(
        request,
        "projects/project_list.html",
        {
            "filter": project_filter,
            "page_obj": page,
            "projects": projects,
            "can_create": can_create,
            "filtered": filtered,
        },
    )


@login_required
@require_http_methods(GET_POST)
def project_create(request: HttpRequest) -> HttpResponse:
    if not policies.can_create_project(request.user):
        raise PermissionDenied
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                _("Project %(key)s was created. Invite your team next.") % {"key": project.key},
            )
            return redirect(project)
    return render(request, "projects/project_create.html", {"form": form})


@login_required
def project_overview(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    context = project_context(request, project, "overview")
    # A few people per role; the members page lists everyone.
    member_groups = selectors.members_by_role_first(project=project)
    context.update(
        milestones=selectors.milestone_summary(user=request.user, project=project),
        member_groups=member_groups,
        member_count=sum(group.count for group in member_groups),
        events=list(selectors.audit_event_list(user=request.user, project=project)[:8]),
    )
    # Imported here: the requirements pages build on this module's helpers.
    from accord.requirements.views.listing import overview_card

    context["requirements_card"] = overview_card(request.user, project)
    from accord.risks.views.pages import overview_card as risks_overview_card

    context["risks_card"] = risks_overview_card(request.user, project)
    from accord.changes.views.listing import overview_card as changes_overview_card

    context["changes_card"] = changes_overview_card(request.user, project)
    from accord.delivery.views.insights import overview_card as delivery_overview_card

    context["delivery_card"] = delivery_overview_card(request.user, project)
    return render(request, "projects/project_overview.html", context)


@login_required
@require_http_methods(GET_POST)
def project_settings(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_project(request.user, project))
    # The form works on a copy, so a refused save leaves the page header as stored.
    form = ProjectSettingsForm(request.POST or None, instance=copy.copy(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                actor=request.user,
                project=project,
                data=form.changed_data_for_service(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The project settings were saved."))
            return redirect("projects:settings", key=project.key)
    context = project_context(request, project, "settings")
    context["form"] = form
    return render(request, "projects/project_settings.html", context)


@login_required
def project_history(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    if not policies.can_view_internal(request.user, project):
        # Clients do not learn that a history page exists.
        raise Http404
    events = selectors.audit_event_list(user=request.user, project=project)
    event_filter = AuditEventFilter(
        request.GET or None,
        queryset=events,
        actors=selectors.audit_actor_choices(project=project),
    )
    page = paginate(request, event_filter.qs)
    rows = [(event, selectors.field_changes(event)) for event in page.object_list]
    context = project_context(request, project, "history")
    context.update(filter=event_filter, page_obj=page, rows=rows)
    return render(request, "projects/project_history.html", context)


# Members and invitations ---------------------------------------------------------------------


def _members_page(
    request: HttpRequest, project: Project, invite_form: InviteForm | None = None, status=200
) -> HttpResponse:
    context = project_context(request, project, "members")
    member_groups = selectors.members_by_role(project=project)
    memberships = [m for group in member_groups for m in group.members]
    managing = context["can_manage"]
    context.update(
        memberships=memberships,
        member_groups=member_groups,
        invite_form=invite_form or (InviteForm() if managing else None),
        invitations=list(selectors.invitation_pending_list(project=project)) if managing else [],
        membership_forms=(
            {
                m.pk: MembershipForm(
                    initial={"role": m.role, "can_approve": m.can_approve, "version": m.version},
                    prefix=f"m{m.pk}",
                )
                for m in memberships
            }
            if managing
            else {}
        ),
    )
    return render(request, "projects/members.html", context, status=status)


@login_required
def member_list(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    return _members_page(request, project)


@login_required
@require_POST
def member_invite(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_project(request.user, project))
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            result = services.invitation_create(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if isinstance(result, Membership):
                messages.success(
                    request,
                    _(
                        "%(email)s already has an Accord account and was added to the project "
                        "directly. They have been told by e-mail."
                    )
                    % {"email": result.user.email},
                )
            else:
                messages.success(
                    request,
                    _(
                        "An invitation was e-mailed to %(email)s. The link works once and "
                        "expires in %(days)s days."
                    )
                    % {"email": result.email, "days": settings.ACCORD_INVITATION_DAYS},
                )
            return redirect("projects:members", key=project.key)
    return _members_page(request, project, invite_form=form, status=400)


@login_required
@require_POST
def member_change(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_project(request.user, project))
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, project=project
    )
    form = MembershipForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("projects:members", key=project.key)
    try:
        services.membership_change(
            actor=request.user,
            membership=membership,
            role=form.cleaned_data["role"],
            can_approve=form.cleaned_data["can_approve"],
            expected_version=form.cleaned_data.get("version"),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role of %(name)s was saved.") % {"name": membership.user})
    return redirect("projects:members", key=project.key)


@login_required
@require_http_methods(GET_POST)
def member_remove(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_project(request.user, project))
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, project=project
    )
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.user, membership=membership)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("projects:members", key=project.key)
        messages.success(
            request,
            _("%(name)s was removed from the project.") % {"name": membership.user},
        )
        if membership.user_id == request.user.pk and not policies.can_view_project(
            request.user, project
        ):
            return redirect("projects:list")
        return redirect("projects:members", key=project.key)
    context = project_context(request, project, "members")
    context["target"] = membership
    return render(request, "projects/member_remove.html", context)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_manage_project(request.user, project))
    invitation = get_object_or_404(Invitation, pk=pk, project=project)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("projects:members", key=project.key)


@require_http_methods(GET_POST)
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the invitation e-mail: confirm (signed in) or create an account first."""
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "projects/invitation_invalid.html", status=404)
    project = invitation.project
    if request.user.is_authenticated:
        if request.method == "POST":
            return _accept_and_enter(request, invitation, request.user)
        return render(
            request,
            "projects/invitation_confirm.html",
            {"invitation": invitation, "project": project},
        )
    account_exists = get_user_model().objects.filter(email__iexact=invitation.email).exists()
    form = None
    if not account_exists:
        form = InvitationSignupForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and form.is_valid():
            try:
                language = translation.get_language()
                user = services.invitation_accept_with_new_account(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                    language=language if language in Language.values else None,
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome to Accord. You are now a member of %(project)s.")
                    % {"project": project.name},
                )
                return redirect(project)
    login_url = reverse(settings.LOGIN_URL) + "?" + urlencode({"next": request.path})
    return render(
        request,
        "projects/invitation_signup.html",
        {
            "invitation": invitation,
            "project": project,
            "form": form,
            "account_exists": account_exists,
            "login_url": login_url,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _accept_and_enter(request: HttpRequest, invitation: Invitation, user: Any) -> HttpResponse:
    try:
        services.invitation_accept(invitation=invitation, user=user)
    except ApplicationError:
        return render(request, "projects/invitation_invalid.html", status=404)
    messages.success(
        request,
        _("You are now a member of %(project)s.") % {"project": invitation.project.name},
    )
    return redirect(invitation.project)


# Milestones ----------------------------------------------------------------------------------


@login_required
def milestone_list(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    milestones = selectors.milestone_list(user=request.user, project=project)
    milestone_filter = MilestoneFilter(request.GET or None, queryset=milestones)
    page = paginate(request, milestone_filter.qs)
    context = project_context(request, project, "milestones")
    context.update(
        filter=milestone_filter,
        page_obj=page,
        milestones=page.object_list,
        filtered=any(request.GET.get(name) for name in ("status", "overdue")),
    )
    return render(request, "projects/milestone_list.html", context)


@login_required
def milestone_detail(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    milestone = selectors.milestone_get(user=request.user, project=project, number=number)
    events = selectors.audit_events_of(user=request.user, target=milestone)[:50]
    context = project_context(request, project, "milestones")
    context.update(
        milestone=milestone,
        rows=[(event, selectors.field_changes(event)) for event in events],
    )
    return render(request, "projects/milestone_detail.html", context)


def _milestone_form_page(
    request: HttpRequest, project: Project, form: MilestoneForm, milestone: Milestone | None
) -> HttpResponse:
    context = project_context(request, project, "milestones")
    context.update(form=form, milestone=milestone)
    return render(
        request,
        "projects/milestone_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(GET_POST)
def milestone_create(request: HttpRequest, key: str) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    require(policies.can_edit_content(request.user, project))
    form = MilestoneForm(request.POST or None, instance=Milestone(project=project))
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create(
                actor=request.user, project=project, **form.changed_data_for_service()
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Milestone %(key)s was created.") % {"key": milestone.key})
            return redirect(milestone)
    return _milestone_form_page(request, project, form, None)


@login_required
@require_http_methods(GET_POST)
def milestone_edit(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    milestone = selectors.milestone_get(user=request.user, project=project, number=number)
    require(policies.can_edit_content(request.user, project))
    form = MilestoneForm(request.POST or None, instance=copy.copy(milestone))
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(
                actor=request.user,
                milestone=milestone,
                data=form.changed_data_for_service(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ApplicationError as exc:  # a stale edit included: it names no field
            apply_error(form, exc)
        else:
            messages.success(request, _("Milestone %(key)s was saved.") % {"key": milestone.key})
            return redirect(milestone)
    return _milestone_form_page(request, project, form, milestone)


@login_required
@require_http_methods(GET_POST)
def milestone_delete(request: HttpRequest, key: str, number: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, key=key)
    milestone = selectors.milestone_get(user=request.user, project=project, number=number)
    require(policies.can_edit_content(request.user, project))
    if request.method == "POST":
        services.milestone_delete(actor=request.user, milestone=milestone)
        messages.success(request, _("Milestone %(key)s was deleted.") % {"key": milestone.key})
        return redirect("projects:milestones", key=project.key)
    context = project_context(request, project, "milestones")
    context["milestone"] = milestone
    return render(request, "projects/milestone_delete.html", context)
