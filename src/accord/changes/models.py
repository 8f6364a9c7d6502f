"""Change requests (ACME-CR3): the redline of requirement changes they propose, their impact
assessment, the approvals of both sides bound to a hash, and the project's approval policy.

A change request's *content* (what approvers sign) is its title, type, reason, background,
redline and the team's assessment; `content_hash` is SHA-256 over a canonical form of it
(`hashing.change_content`). An approval stores the hash it was given on; any edit of the
content voids the approvals made before it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.changes.choices import (
    ApproverSlot,
    ChangeType,
    Decision,
    ItemAction,
    Status,
    Urgency,
)
from accord.core.models import KeyedItem, TimeStampedModel
from accord.core.signoffs import SignOff

MONEY = {"max_digits": 14, "decimal_places": 2}


class ChangeRequest(KeyedItem):
    """One change request. Drafts raised by the team stay internal; once submitted (and from
    the start when a client raised it) it is shared with the client."""

    KEY_PREFIX = "CR"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="change_requests",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    type = models.CharField(
        _("type"), max_length=16, choices=ChangeType.choices, default=ChangeType.MODIFY_SCOPE
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    reason = models.TextField(_("reason"), help_text=_("Why the change is needed."))
    background = models.TextField(_("background"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    source_reference = models.CharField(
        _("came from"),
        max_length=500,
        blank=True,
        help_text=_("The feedback, meeting, e-mail … it came from: a link or a reference."),
    )
    source_risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="change_requests",
        verbose_name=_("risks it came from"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The team's assessment (part of the content the approvers sign).
    effort_days = models.DecimalField(
        _("effort (person-days)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100000)],
    )
    cost = models.DecimalField(
        _("cost"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    cost_currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. CNY, EUR, USD.")
    )
    assessment = models.TextField(
        _("assessment"), blank=True, help_text=_("The team's view of the impact, in words.")
    )
    new_risks = models.ManyToManyField(
        "risks.Risk",
        blank=True,
        related_name="caused_by_changes",
        verbose_name=_("new risks"),
    )
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    # Counts material edits; approvals record the revision they were given on.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approval_requested_at = models.DateTimeField(_("approval requested"), null=True, blank=True)
    approval_due = models.DateField(_("decision due"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)
    implemented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("implemented by"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    baseline = models.ForeignKey(
        "requirements.Baseline",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_requests",
        verbose_name=_("baseline recorded"),
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="changes_cr_number"),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | ~Q(cost_currency=""),
                name="changes_cr_cost_has_currency",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="changes_cr_status_idx"),
            models.Index(fields=["project", "type"], name="changes_cr_type_idx"),
            models.Index(fields=["project", "visibility"], name="changes_cr_vis_idx"),
            models.Index(fields=["project", "updated_at"], name="changes_cr_updated_idx"),
            models.Index(fields=["status", "approval_due"], name="changes_cr_due_idx"),
        ]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("changes:detail", kwargs={"key": self.project.key, "number": self.number})


class ChangeItem(models.Model):
    """One line of the redline: add a requirement, change one (its proposed new content), or
    withdraw one. `base_version` is the version the line was written against; applying refuses
    a line whose requirement moved on since."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    action = models.CharField(_("action"), max_length=8, choices=ItemAction.choices)
    requirement = models.ForeignKey(
        "requirements.Requirement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_items",
        verbose_name=_("requirement"),
    )
    base_version = models.ForeignKey(
        "requirements.RequirementVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The proposed material content (requirements.hashing.CONTENT_FIELDS plus
    # "acceptance_criteria"), for add and modify; empty for withdraw.
    proposed = models.JSONField(_("proposed content"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Filled in when the change is applied.
    result_requirement = models.ForeignKey(
        "requirements.Requirement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result_version = models.ForeignKey(
        "requirements.RequirementVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applied_by",
    )

    class Meta:
        ordering = ["change_request", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "position"], name="changes_item_position"
            ),
            models.CheckConstraint(
                condition=Q(action="add", requirement__isnull=True)
                | (~Q(action="add") & Q(requirement__isnull=False)),
                name="changes_item_requirement_matches_action",
            ),
        ]
        verbose_name = _("redline item")
        verbose_name_plural = _("redline items")

    def __str__(self) -> str:
        return f"{self.change_request_id}#{self.position} {self.action}"


class ScheduleImpact(models.Model):
    """The team's estimate of how far a milestone moves (days; negative means earlier)."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="schedule_impacts"
    )
    milestone = models.ForeignKey(
        "projects.Milestone", on_delete=models.CASCADE, related_name="change_impacts"
    )
    shift_days = models.IntegerField(
        _("shift (days)"), validators=[MinValueValidator(-3650), MaxValueValidator(3650)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["change_request", "milestone__due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "milestone"], name="changes_schedule_unique"
            )
        ]
        verbose_name = _("schedule impact")
        verbose_name_plural = _("schedule impacts")

    def __str__(self) -> str:
        return f"{self.milestone_id}: {self.shift_days:+d}"


class ApprovalPolicy(TimeStampedModel):
    """Who must approve a project's change requests. Without a row the defaults apply: the
    project manager and one client approver, no self-approval, five days to decide."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="change_policy"
    )
    require_manager = models.BooleanField(_("the project manager must approve"), default=True)
    client_approvals = models.PositiveSmallIntegerField(
        _("client approvers who must approve"),
        default=1,
        validators=[MaxValueValidator(20)],
        help_text=_("Client members with signing authority; 0 for none."),
    )
    board = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("change board"),
    )
    board_approvals = models.PositiveSmallIntegerField(
        _("board members who must approve"), default=0, validators=[MaxValueValidator(20)]
    )
    allow_self_approval = models.BooleanField(
        _("the requester may approve their own request"), default=False
    )
    decision_days = models.PositiveSmallIntegerField(
        _("days to decide"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Approvers are reminded once a request waits longer."),
    )

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")

    def __str__(self) -> str:
        return f"{self.project_id}"


class ChangeApproval(SignOff):
    """One approver's decision on a change request, bound to its hash and revision. An edit of
    the request afterwards voids it (voided_at, void_reason); a voided decision no longer
    counts but stays on record. Sealed (accord.core.signoffs) over the decision itself; voiding
    changes only its standing, so it is not part of the seal."""

    SIGNED_FIELDS = (
        "change_request_id",
        "approver_id",
        "slot",
        "decision",
        "comment",
        "content_hash",
        "revision",
        "decided_at",
    )

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approver"),
    )
    slot = models.CharField(_("as"), max_length=8, choices=ApproverSlot.choices)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    revision = models.PositiveIntegerField(_("revision"))
    decided_at = models.DateTimeField(_("decided at"))
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=300, blank=True)

    class Meta:
        ordering = ["change_request", "decided_at", "id"]
        constraints = [
            # One live decision per person: a double click or two tabs cannot count twice.
            models.UniqueConstraint(
                fields=["change_request", "approver"],
                condition=Q(voided_at__isnull=True),
                name="changes_one_live_decision",
            )
        ]
        indexes = [models.Index(fields=["approver", "voided_at"], name="changes_approval_user_idx")]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.decision} r{self.revision}"
