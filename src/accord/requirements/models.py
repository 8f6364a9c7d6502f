"""Requirements, their versions and acceptance criteria, client decisions, baselines,
discussion and traceability links.

A requirement's *material* content (what the client confirms) lives in immutable versions, each
with a SHA-256 over a canonical form of its fields; the requirement row holds the current values
for fast lists. Tags, parent, business value and effort are planning data, not content: changing
them needs no new version and no reconfirmation.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.core.models import KeyedItem, TimeStampedModel
from accord.core.querysets import ProjectContentQuerySet
from accord.core.signoffs import SignOff
from accord.requirements.choices import (
    CriterionStyle,
    Decision,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Status,
)


class Tag(models.Model):
    """A label for requirements, one vocabulary per project."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="requirement_tags"
    )
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="requirements_tag_unique")
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Requirement(KeyedItem):
    """One requirement (ACME-R12). Its visibility follows its status: drafts stay internal."""

    KEY_PREFIX = "R"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    background = models.TextField(
        _("background"), blank=True, help_text=_("Why the client needs it.")
    )
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(
        _("type"),
        max_length=16,
        choices=RequirementType.choices,
        default=RequirementType.FUNCTIONAL,
    )
    quality_attribute = models.CharField(
        _("quality attribute"),
        max_length=16,
        choices=QualityAttribute.choices,
        blank=True,
        help_text=_("For non-functional requirements: performance, security, usability …"),
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.SHOULD
    )
    business_value = models.PositiveSmallIntegerField(
        _("business value"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 (low) to 10 (high)."),
    )
    effort_days = models.DecimalField(
        _("effort estimate (person-days)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10000)],
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.INTERVIEW
    )
    source_stakeholder = models.CharField(
        _("requested by"), max_length=200, blank=True, help_text=_("The stakeholder who asked.")
    )
    source_reference = models.CharField(
        _("source record"),
        max_length=500,
        blank=True,
        help_text=_("A link or reference to the interview notes, e-mail, document …"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent requirement"),
    )
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="requirements", verbose_name=_("tags")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    current_version = models.ForeignKey(
        "RequirementVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("current version"),
    )
    confirmed_version = models.ForeignKey(
        "RequirementVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed version"),
    )
    changed_since_confirmation = models.BooleanField(_("changed since confirmation"), default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="requirements_req_number"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="requirements_req_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="requirements_req_status_idx"),
            models.Index(fields=["project", "priority"], name="requirements_req_priority_idx"),
            models.Index(fields=["project", "type"], name="requirements_req_type_idx"),
            models.Index(fields=["project", "source"], name="requirements_req_source_idx"),
            models.Index(fields=["project", "visibility"], name="requirements_req_vis_idx"),
            models.Index(fields=["project", "updated_at"], name="requirements_req_updated_idx"),
            models.Index(fields=["project", "title"], name="requirements_req_title_idx"),
            # The overview counts the few changed since confirmation among many.
            models.Index(
                fields=["project"],
                condition=Q(changed_since_confirmation=True),
                name="requirements_req_changed_idx",
            ),
        ]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "requirements:detail", kwargs={"key": self.project.key, "number": self.number}
        )

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_version_id is not None and not self.changed_since_confirmation


class RequirementVersion(models.Model):
    """An immutable snapshot of a requirement's material content, with its SHA-256."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    # Set once the client has been shown this version (submitted, or edited while shared);
    # clients see only such versions.
    client_visible = models.BooleanField(_("shown to client"), default=False)

    class Meta:
        ordering = ["requirement", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "number"], name="requirements_version_number"
            )
        ]
        verbose_name = _("requirement version")
        verbose_name_plural = _("requirement versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class AcceptanceCriterion(models.Model):
    """One ordered acceptance criterion; part of the requirement's content. Verification marks
    are not content: they are recorded on the criterion, with who, when and a note."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"))
    style = models.CharField(
        _("style"), max_length=8, choices=CriterionStyle.choices, default=CriterionStyle.FREE
    )
    text = models.TextField(_("criterion"), blank=True)
    given = models.TextField(_("given"), blank=True)
    when = models.TextField(_("when"), blank=True)
    then = models.TextField(_("then"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.CharField(_("verification note"), max_length=500, blank=True)

    class Meta:
        ordering = ["requirement", "position"]
        verbose_name = _("acceptance criterion")
        verbose_name_plural = _("acceptance criteria")

    def __str__(self) -> str:
        return self.as_text()

    def as_content(self) -> dict[str, str]:
        if self.style == CriterionStyle.GHERKIN:
            return {"style": self.style, "given": self.given, "when": self.when, "then": self.then}
        return {"style": self.style, "text": self.text}

    def as_text(self) -> str:
        if self.style == CriterionStyle.GHERKIN:
            return f"Given {self.given} When {self.when} Then {self.then}"
        return self.text


class Submission(models.Model):
    """The PM sends one or many requirements to the client approvers for review."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="requirement_submissions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message to the client"), blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("submission for review")
        verbose_name_plural = _("submissions for review")

    def __str__(self) -> str:
        return f"{self.project_id}/{self.pk}"


class SubmissionItem(models.Model):
    """Which version of which requirement a submission put before the client."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="submission_items"
    )
    version = models.ForeignKey(RequirementVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "requirement"], name="requirements_submission_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.requirement_id}@{self.version_id}"


class ClientDecision(SignOff):
    """A client approver's confirmation, return or rejection of one version of a requirement.

    Bound to the exact content: the version and its hash at the time of the decision. Sealed
    (accord.core.signoffs) over who decided what on which content and when.
    """

    SIGNED_FIELDS = (
        "requirement_id",
        "version_id",
        "content_hash",
        "decision",
        "decided_by_id",
        "decided_at",
        "comment",
        "change_request_id",
    )

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="decisions")
    version = models.ForeignKey(
        RequirementVersion, on_delete=models.PROTECT, related_name="decisions"
    )
    content_hash = models.CharField(_("content hash"), max_length=64)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"))
    comment = models.TextField(_("comment"), blank=True)
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    # Set when an approved change request confirmed this version (the change's approval by the
    # client is the confirmation).
    change_request = models.ForeignKey(
        "changes.ChangeRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmations",
        verbose_name=_("change request"),
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            # Two approvers confirming at once still make one confirmation of a version.
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(decision="confirmed"),
                name="requirements_one_confirmation_per_version",
            )
        ]
        verbose_name = _("client decision")
        verbose_name_plural = _("client decisions")

    def __str__(self) -> str:
        return f"{self.decision} v{self.version_id}"


class Baseline(KeyedItem):
    """A named, frozen set of confirmed requirement versions (ACME-B3) with a hash over the set."""

    KEY_PREFIX = "B"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="baselines",
        verbose_name=_("project"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_hash = models.CharField(_("content hash"), max_length=64)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.SHARED
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="requirements_baseline_no")
        ]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "requirements:baseline-detail", kwargs={"key": self.project.key, "number": self.number}
        )


class BaselineItem(models.Model):
    baseline = models.ForeignKey(Baseline, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="baseline_items"
    )
    version = models.ForeignKey(RequirementVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "requirement"], name="requirements_baseline_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.baseline_id}:{self.requirement_id}@{self.version_id}"


class Comment(TimeStampedModel):
    """A comment in a requirement's discussion; internal, or shared with the client."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="requirement_comments"
    )
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"))
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )

    objects = ProjectContentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["requirement", "visibility"], name="requirements_comment_idx")
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]


class RequirementLink(models.Model):
    """A traceability link between two requirements of the same project."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="requirement_links"
    )
    source = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("link"), max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "target__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="requirements_link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="requirements_link_not_self"
            ),
        ]
        verbose_name = _("requirement link")
        verbose_name_plural = _("requirement links")

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"
