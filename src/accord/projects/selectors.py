"""Reads of projects, members, milestones and history, always scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Cast, RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.core.models import AuditEvent, KeyedItem
from accord.core.querysets import user_sees_everything
from accord.projects import policies
from accord.projects.choices import InvitationStatus, MilestoneStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project

# Readable words for the audit action codes; unknown codes are shown as they are.
ACTION_LABELS: dict[str, Any] = {
    "project.created": _("created the project"),
    "project.updated": _("changed the project"),
    "membership.added": _("added a member"),
    "membership.changed": _("changed a member's role"),
    "membership.removed": _("removed a member"),
    "invitation.created": _("sent an invitation"),
    "invitation.accepted": _("accepted an invitation"),
    "invitation.revoked": _("revoked an invitation"),
    "invitation.expired": _("retired an expired invitation"),
    "milestone.created": _("created a milestone"),
    "milestone.updated": _("changed a milestone"),
    "milestone.deleted": _("deleted a milestone"),
}

# Labels of recorded values that are not model fields (e.g. a version's hash); None hides a
# value from the history page (ids kept for the trail). Other apps add theirs when they load.
FIELD_LABELS: dict[str, Any] = {}

ROLE_ORDER = [Role.MANAGER, Role.MEMBER, Role.CLIENT, Role.VIEWER]
OPEN_MILESTONE_STATES = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


# Projects ------------------------------------------------------------------------------------


def project_list(*, user: Any) -> QuerySet[Project]:
    """The user's projects (all of them for staff), each with the user's role as `my_role`."""
    my_role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.visible_to(user).annotate(my_role=Subquery(my_role))


def project_get(*, user: Any, key: str) -> Project:
    """The project with that key, or 404 when it is unknown or the user may not see it.

    Members see a project through their membership: one query reads both, and the policies
    then know the user's role without asking again.
    """
    key = key.upper()
    if user.is_authenticated and user.is_active and not user_sees_everything(user):
        membership = (
            Membership.objects.filter(user=user, project__key=key)
            .select_related("project")
            .order_by("pk")
            .first()
        )
        if membership is None:
            raise Http404
        policies.remember_membership(user, membership.project, membership)
        return membership.project
    project = Project.objects.visible_to(user).filter(key=key).first()
    if project is None:
        raise Http404
    return project


# Members -------------------------------------------------------------------------------------


def active_membership(*, project: Project, user: Any) -> Membership | None:
    """The membership of an active user in the project, with the user; `user` is a User, a user
    id (int or digits) or None. Unknown users, outsiders and inactive users all give None, so
    callers refuse them alike."""
    user_id = getattr(user, "pk", user)
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    return (
        Membership.objects.filter(project=project, user_id=user_id, user__is_active=True)
        .select_related("user")
        .first()
    )


def membership_list(*, project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user")


@dataclass
class RoleGroup:
    role: str
    label: str
    members: list[Membership]
    count: int = 0  # members in the role; more than `members` when only the first few are listed

    def __post_init__(self) -> None:
        self.count = max(self.count, len(self.members))

    @property
    def more(self) -> int:
        return self.count - len(self.members)


def members_by_role(*, project: Project) -> list[RoleGroup]:
    """Members grouped by role, managers first; empty roles left out."""
    groups: dict[str, list[Membership]] = {role: [] for role in ROLE_ORDER}
    for membership in membership_list(project=project).order_by("user__full_name", "user__email"):
        groups.setdefault(membership.role, []).append(membership)
    return [
        RoleGroup(role=role, label=str(Role(role).label), members=members)
        for role, members in groups.items()
        if members
    ]


def members_by_role_first(*, project: Project, per_role: int = 5) -> list[RoleGroup]:
    """The first `per_role` members of each role by name, with each role's total; one query
    whose cost does not grow with the team (a window function ranks and counts per role)."""
    by_name = [F("user__full_name").asc(), F("user__email").asc()]
    ranked = (
        membership_list(project=project)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("role")], order_by=by_name),
            role_count=Window(Count("pk"), partition_by=[F("role")]),
        )
        .filter(rank__lte=per_role)
        .order_by(*by_name)
    )
    groups: dict[str, RoleGroup] = {
        role: RoleGroup(role=role, label=str(Role(role).label), members=[]) for role in ROLE_ORDER
    }
    for membership in ranked:
        group = groups[membership.role]
        group.members.append(membership)
        group.count = membership.role_count
    return [group for group in groups.values() if group.members]


def invitation_pending_list(*, project: Project) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        project=project, status=InvitationStatus.PENDING
    ).select_related("invited_by")


# Milestones ----------------------------------------------------------------------------------


def milestone_list(*, user: Any, project: Project) -> QuerySet[Milestone]:
    """The project's milestones the user may see (clients: shared ones only)."""
    return Milestone.objects.visible_in(project, user).select_related("project")


def milestone_get(*, user: Any, project: Project, number: int) -> Milestone:
    milestone = milestone_list(user=user, project=project).filter(number=number).first()
    if milestone is None:
        raise Http404
    return milestone


@dataclass
class MilestoneSummary:
    total: int
    done: int
    overdue_count: int
    overdue: list[Milestone]
    upcoming: list[Milestone]

    @property
    def next_due(self) -> Milestone | None:
        return self.upcoming[0] if self.upcoming else None


def milestone_summary(*, user: Any, project: Project, limit: int = 5) -> MilestoneSummary:
    """Counts, and the first overdue and upcoming open milestones; three bounded queries."""
    today = timezone.localdate()
    milestones = milestone_list(user=user, project=project).order_by("due_date", "number")
    is_open = Q(status__in=OPEN_MILESTONE_STATES)
    counts = milestones.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=MilestoneStatus.DONE)),
        overdue=Count("pk", filter=is_open & Q(due_date__lt=today)),
    )
    return MilestoneSummary(
        total=counts["total"],
        done=counts["done"],
        overdue_count=counts["overdue"],
        overdue=list(milestones.filter(is_open, due_date__lt=today)[:limit]),
        upcoming=list(milestones.filter(is_open, due_date__gte=today)[:limit]),
    )


# History -------------------------------------------------------------------------------------


def audit_event_list(*, user: Any, project: Project) -> QuerySet[AuditEvent]:
    """The project's audit records the user may read, newest first. A record shared with the
    client when it was written names its item; once that item is no longer shared (a
    requirement withdrawn and reinstated as a draft), clients no longer read the record."""
    events = AuditEvent.objects.visible_in(project, user)
    if not policies.can_view_internal(user, project):
        events = events.exclude(_about_unshared_items(project))
    return events.select_related("actor", "target_type").order_by("-id")


def _about_unshared_items(project: Project) -> Q:
    """Records whose target is an item of the project (of any app) that is not shared now."""
    condition = Q(pk__in=[])
    for model in apps.get_models():
        if not issubclass(model, KeyedItem) or model._meta.abstract:
            continue
        unshared = (
            model.objects.filter(project=project)
            .exclude(visibility=Visibility.SHARED)
            .values_list(Cast("pk", output_field=CharField()))
        )
        condition |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=unshared)
    return condition


def audit_events_of(*, user: Any, target: Any) -> QuerySet[AuditEvent]:
    """The audit records about one object, newest first."""
    # The object's project is known: deciding visibility by policy keeps membership subqueries
    # out of the SQL, which would lead PostgreSQL to scan the whole trail backwards by id.
    project = getattr(target, "project", None)
    events = (
        AuditEvent.objects.visible_in(project, user)
        if project is not None
        else AuditEvent.objects.visible_to(user)
    )
    return (
        events.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        )
        .select_related("actor", "target_type")
        .order_by("-id")
    )


def audit_actor_choices(*, project: Project) -> QuerySet:
    """People who appear in the project's history, for the actor filter."""
    actors = AuditEvent.objects.filter(project=project, actor__isnull=False).values("actor")
    return get_user_model().objects.filter(pk__in=actors).order_by("full_name", "email")


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    kind: str  # "added" (a creation), "removed" (a deletion) or "changed"


def _display(field: Any, value: Any) -> str:
    """A stored before/after value in words: choice labels, yes/no, dates in the locale."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field is not None:
        choices = dict(getattr(field, "flatchoices", None) or [])
        if value in choices:
            return str(choices[value])
        if field.get_internal_type() == "DateField" and isinstance(value, str):
            try:
                return date_format(dt.date.fromisoformat(value))
            except ValueError:
                return value
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def field_changes(event: AuditEvent) -> list[FieldChange]:
    """The changed fields of an audit record, labelled in the user's language."""
    model = event.target_type.model_class() if event.target_type_id else None
    kind = "added" if not event.before else "removed" if not event.after else "changed"
    result = []
    for name, before, after in event.changed_fields:
        field = None
        if name in FIELD_LABELS and FIELD_LABELS[name] is None:
            continue  # recorded for the trail (an id), not worth a line in the history
        label = str(FIELD_LABELS.get(name) or name)
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a field removed since the record was written
                field = None
            else:
                if field.is_relation:
                    # Related objects are named in the record's object label already.
                    continue
                label = str(getattr(field, "verbose_name", name))
        result.append(
            FieldChange(name, label, _display(field, before), _display(field, after), kind)
        )
    return result
