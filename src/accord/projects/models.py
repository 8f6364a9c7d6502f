"""Projects, the people in them and their roles, milestones and invitations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.core.models import KeyedItem, TimeStampedModel
from accord.core.querysets import user_sees_everything
from accord.projects.choices import InvitationStatus, MilestoneStatus, ProjectStatus, Role

key_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,9}$",
    _("2 to 10 capital letters or digits, starting with a letter, e.g. ACME."),
)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """Projects the user belongs to; staff see all; anonymous and outsiders none."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user_sees_everything(user):
            return self
        return self.filter(memberships__user=user)


class Project(TimeStampedModel):
    """One client engagement: its key, client, dates, status and charter."""

    key = models.CharField(_("key"), max_length=10, unique=True, validators=[key_validator])
    name = models.CharField(_("name"), max_length=200)
    client_name = models.CharField(_("client organisation"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    objectives = models.TextField(_("objectives"), blank=True)
    values = models.TextField(_("team values"), blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="projects_project_dates_ordered",
            )
        ]
        indexes = [models.Index(fields=["status"], name="projects_project_status_idx")]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.key} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:overview", kwargs={"key": self.key})


class Membership(TimeStampedModel):
    """A user's role in one project; `can_approve` is a client's signing authority."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    can_approve = models.BooleanField(
        _("can approve"),
        default=False,
        help_text=_("Signing authority: confirms requirements, approves changes, accepts."),
    )

    class Meta:
        ordering = ["project", "role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="projects_membership_unique"),
            models.CheckConstraint(
                condition=Q(can_approve=False) | Q(role=Role.CLIENT),
                name="projects_membership_approve_client_only",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"], name="projects_membership_user_idx")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Milestone(KeyedItem):
    """A dated point of delivery in a project (ACME-M2). Shared with the client by default."""

    KEY_PREFIX = "M"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.SHARED
    )

    class Meta:
        ordering = ["due_date", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="projects_milestone_number")
        ]
        indexes = [models.Index(fields=["project", "due_date"], name="projects_milestone_due_idx")]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "projects:milestone-detail", kwargs={"key": self.project.key, "number": self.number}
        )

    @property
    def is_overdue(self) -> bool:
        open_states = (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS)
        return self.status in open_states and self.due_date < timezone.localdate()


class Invitation(TimeStampedModel):
    """An e-mailed, expiring, single-use link that makes its holder a member of a project.

    Only a SHA-256 of the link's token is stored.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    can_approve = models.BooleanField(_("can approve"), default=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(status="pending"),
                name="projects_invitation_one_pending",
            )
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.project.key}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired
