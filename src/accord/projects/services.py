"""Every write to projects, memberships, milestones and invitations: validated, audited."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.services import user_create
from accord.accounts.tokens import digest_of
from accord.core.audit import audit_record, changes, snapshot
from accord.core.edits import apply_fields, check_version, validate_model
from accord.core.exceptions import ApplicationError
from accord.core.keys import assign_number
from accord.notifications.mail import email_queue_template, email_queue_template_all_languages
from accord.projects.choices import InvitationStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project
from accord.projects.policies import forget_memberships

PROJECT_FIELDS = [
    "key", "name", "client_name", "description", "start_date", "end_date", "status",
    "objectives", "values",
]  # fmt: skip
PROJECT_EDITABLE = [f for f in PROJECT_FIELDS if f != "key"]
MILESTONE_FIELDS = ["name", "description", "due_date", "status", "visibility"]
MEMBERSHIP_FIELDS = ["user", "role", "can_approve"]


def _dates_in_order(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ApplicationError(_("The end date cannot be before the start date."), field="end_date")


# Projects ------------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: Any, **fields: Any) -> Project:
    """Open a project; its creator becomes its first manager."""
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fields["key"] = (fields.get("key") or "").strip().upper()
    project = Project(**fields)
    _dates_in_order(project.start_date, project.end_date)
    validate_model(project)
    project.save()
    audit_record(
        actor=actor,
        action="project.created",
        target=project,
        project=project,
        after=snapshot(project, PROJECT_FIELDS),
    )
    membership_add(actor=actor, project=project, user=actor, role=Role.MANAGER)
    return project


@transaction.atomic
def project_update(
    *, actor: Any, project: Project, data: dict[str, Any], expected_version: int | None = None
) -> Project:
    """Change a project's details; refused if someone else saved it since `expected_version`."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    check_version(project, expected_version)
    before = snapshot(project, PROJECT_EDITABLE)
    apply_fields(project, data, PROJECT_EDITABLE)
    _dates_in_order(project.start_date, project.end_date)
    validate_model(project)
    old, new = changes(before, snapshot(project, PROJECT_EDITABLE))
    if not new:
        return project
    project.version += 1
    project.save()
    audit_record(
        actor=actor,
        action="project.updated",
        target=project,
        project=project,
        before=old,
        after=new,
    )
    return project


# Memberships ---------------------------------------------------------------------------------


def _managers_left(project: Project, excluding: Membership) -> bool:
    return (
        Membership.objects.filter(project=project, role=Role.MANAGER)
        .exclude(pk=excluding.pk)
        .exists()
    )


@transaction.atomic
def membership_add(
    *, actor: Any, project: Project, user: Any, role: str, can_approve: bool = False
) -> Membership:
    """Make an existing user a member of the project with a role."""
    if role not in Role.values:
        raise ApplicationError(_("Choose a valid role."), field="role")
    if can_approve and role != Role.CLIENT:
        raise ApplicationError(
            _("Only client members can hold signing authority."), field="can_approve"
        )
    if Membership.objects.filter(project=project, user=user).exists():
        raise ApplicationError(
            _("%(user)s is already a member of this project.") % {"user": user.email},
            field="email",
        )
    membership = Membership.objects.create(
        project=project, user=user, role=role, can_approve=can_approve
    )
    forget_memberships(user)
    audit_record(
        actor=actor,
        action="membership.added",
        target=membership,
        project=project,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def membership_change(
    *,
    actor: Any,
    membership: Membership,
    role: str,
    can_approve: bool = False,
    expected_version: int | None = None,
) -> Membership:
    """Change a member's role or signing authority; a project always keeps one manager."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("project", "user")
        .get(pk=membership.pk)
    )
    check_version(membership, expected_version)
    if role not in Role.values:
        raise ApplicationError(_("Choose a valid role."), field="role")
    if can_approve and role != Role.CLIENT:
        raise ApplicationError(
            _("Only client members can hold signing authority."), field="can_approve"
        )
    if (
        membership.role == Role.MANAGER
        and role != Role.MANAGER
        and not _managers_left(membership.project, membership)
    ):
        raise ApplicationError(
            _("A project needs at least one project manager. Make someone else manager first."),
            field="role",
        )
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.role = role
    membership.can_approve = can_approve
    old, new = changes(before, snapshot(membership, MEMBERSHIP_FIELDS))
    if not new:
        return membership
    membership.version += 1
    membership.save()
    forget_memberships(membership.user)
    audit_record(
        actor=actor,
        action="membership.changed",
        target=membership,
        project=membership.project,
        before=old,
        after=new,
    )
    return membership


@transaction.atomic
def membership_remove(
    *, actor: Any, membership: Membership, expected_version: int | None = None
) -> None:
    """Take a user out of a project; the last manager cannot be removed."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("project", "user")
        .get(pk=membership.pk)
    )
    check_version(membership, expected_version)
    if membership.role == Role.MANAGER and not _managers_left(membership.project, membership):
        raise ApplicationError(
            _("A project needs at least one project manager. Make someone else manager first.")
        )
    audit_record(
        actor=actor,
        action="membership.removed",
        target=membership,
        project=membership.project,
        before=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    forget_memberships(membership.user)
    membership.delete()


# Invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, actor: Any, project: Project, email: str, role: str, can_approve: bool = False
) -> Membership | Invitation:
    """Invite someone by e-mail. A person who already has an account is added directly;
    anyone else gets an expiring, single-use link."""
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter an e-mail address."), field="email")
    if role not in Role.values:
        raise ApplicationError(_("Choose a valid role."), field="role")
    if can_approve and role != Role.CLIENT:
        raise ApplicationError(
            _("Only client members can hold signing authority."), field="can_approve"
        )
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        membership = membership_add(
            actor=actor, project=project, user=user, role=role, can_approve=can_approve
        )
        email_queue_template(
            to=user.email,
            template="projects/email/added",
            context={
                "project": project,
                "role": membership.get_role_display(),
                "url": settings.BASE_URL + project.get_absolute_url(),
            },
            language=user.language,
        )
        return membership
    pending = Invitation.objects.filter(
        project=project, email=email, status=InvitationStatus.PENDING
    )
    for stale in [p for p in pending.select_for_update() if p.is_expired]:
        # An expired link is dead anyway; retire it so the person can be invited again.
        stale.status = InvitationStatus.REVOKED
        stale.version += 1
        stale.save(update_fields=["status", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="invitation.expired",
            target=stale,
            project=project,
            after={"status": stale.status},
        )
    if pending.exists():
        # Checked before model validation, whose constraint message names no field.
        raise ApplicationError(
            _("%(email)s already has a pending invitation to this project.") % {"email": email},
            field="email",
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        project=project,
        email=email,
        role=role,
        can_approve=can_approve,
        token_digest=digest_of(token),
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=settings.ACCORD_INVITATION_DAYS),
    )
    validate_model(invitation, exclude=["invited_by", "accepted_by"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise ApplicationError(
            _("%(email)s already has a pending invitation to this project.") % {"email": email},
            field="email",
        ) from exc
    audit_record(
        actor=actor,
        action="invitation.created",
        target=invitation,
        project=project,
        after={"email": email, "role": role, "can_approve": can_approve},
    )
    email_queue_template_all_languages(
        to=email,
        template="projects/email/invitation",
        context={
            "project": project,
            "inviter": actor,
            "role": Role(role).label,
            "can_approve": can_approve,
            "url": settings.BASE_URL + reverse("projects:invitation-accept", args=[token]),
            "expires_at": invitation.expires_at,
        },
        first=getattr(actor, "language", None),
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("project")
        .filter(token_digest=digest_of(token or ""))
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    """Use an invitation once: the signed-in user joins the project with the invited role."""
    invitation = (
        Invitation.objects.select_for_update().select_related("project").get(pk=invitation.pk)
    )
    if not invitation.is_usable:
        raise ApplicationError(_("This invitation has expired or was already used."))
    membership = Membership.objects.filter(project=invitation.project, user=user).first()
    if membership is None:
        membership = membership_add(
            actor=user,
            project=invitation.project,
            user=user,
            role=invitation.role,
            can_approve=invitation.can_approve,
        )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.version += 1
    invitation.save(update_fields=["status", "accepted_by", "accepted_at", "version", "updated_at"])
    audit_record(
        actor=user,
        action="invitation.accepted",
        target=invitation,
        project=invitation.project,
        after={"status": invitation.status},
    )
    return membership


@transaction.atomic
def invitation_accept_with_new_account(
    *, invitation: Invitation, full_name: str, password: str, language: str | None = None
) -> Any:
    """Create the invitee's account and accept the invitation with it, together: a refused
    acceptance leaves no account behind."""
    extra = {"language": language} if language else {}
    user = user_create(
        actor=None, email=invitation.email, full_name=full_name, password=password, **extra
    )
    invitation_accept(invitation=invitation, user=user)
    return user


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise ApplicationError(_("Only pending invitations can be revoked."))
    invitation.status = InvitationStatus.REVOKED
    invitation.version += 1
    invitation.save(update_fields=["status", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="invitation.revoked",
        target=invitation,
        project=invitation.project_id,
        after={"status": invitation.status},
    )
    return invitation


# Milestones ----------------------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, actor: Any, project: Project, **fields: Any) -> Milestone:
    milestone = Milestone(project=project)
    apply_fields(milestone, fields, MILESTONE_FIELDS)
    # The project is a stored one the caller looked up; checking it exists again would cost a
    # query while the write lock is held.
    validate_model(milestone, exclude=["number", "project"])
    assign_number(milestone)
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.created",
        target=milestone,
        project=project,
        after=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone


@transaction.atomic
def milestone_update(
    *,
    actor: Any,
    milestone: Milestone,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Milestone:
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    check_version(milestone, expected_version)
    before = snapshot(milestone, MILESTONE_FIELDS)
    apply_fields(milestone, data, MILESTONE_FIELDS)
    validate_model(milestone)
    old, new = changes(before, snapshot(milestone, MILESTONE_FIELDS))
    if not new:
        return milestone
    milestone.version += 1
    milestone.save()
    audit_record(
        actor=actor,
        action="milestone.updated",
        target=milestone,
        project=milestone.project,
        before=old,
        after=new,
    )
    return milestone


@transaction.atomic
def milestone_delete(
    *, actor: Any, milestone: Milestone, expected_version: int | None = None
) -> None:
    milestone = Milestone.objects.select_for_update().select_related("project").get(pk=milestone.pk)
    check_version(milestone, expected_version)
    audit_record(
        actor=actor,
        action="milestone.deleted",
        target=milestone,
        project=milestone.project,
        before=snapshot(milestone, MILESTONE_FIELDS),
    )
    milestone.delete()
