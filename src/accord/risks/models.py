"""The risk and problem register: risks (ACME-K5) with their reviews over time and response
actions, each project's level thresholds, and problems (ACME-P3) with their solutions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import KeyedItem, TimeStampedModel
from accord.risks.choices import (
    DEFAULT_CRITICAL_FROM,
    DEFAULT_HIGH_FROM,
    DEFAULT_MEDIUM_FROM,
    OPEN_PROBLEM_STATES,
    Category,
    Impact,
    Level,
    Probability,
    ProblemStatus,
    RiskStatus,
    Strategy,
)

SCALE = [MinValueValidator(1), MaxValueValidator(5)]
SCORE = [MinValueValidator(1), MaxValueValidator(25)]


class RiskThresholds(TimeStampedModel):
    """Where a project's score levels start (score = probability × impact, 1–25)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="risk_thresholds"
    )
    medium_from = models.PositiveSmallIntegerField(
        _("medium from score"), default=DEFAULT_MEDIUM_FROM, validators=SCORE
    )
    high_from = models.PositiveSmallIntegerField(
        _("high from score"), default=DEFAULT_HIGH_FROM, validators=SCORE
    )
    critical_from = models.PositiveSmallIntegerField(
        _("critical from score"), default=DEFAULT_CRITICAL_FROM, validators=SCORE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(medium_from__lt=F("high_from"))
                & Q(high_from__lt=F("critical_from"))
                & Q(medium_from__gte=2)
                & Q(critical_from__lte=25),
                name="risks_thresholds_ordered",
            )
        ]
        verbose_name = _("risk level thresholds")
        verbose_name_plural = _("risk level thresholds")

    def __str__(self) -> str:
        return f"{self.medium_from}/{self.high_from}/{self.critical_from}"

    def level_of(self, score: int) -> str:
        if score >= self.critical_from:
            return Level.CRITICAL
        if score >= self.high_from:
            return Level.HIGH
        if score >= self.medium_from:
            return Level.MEDIUM
        return Level.LOW

    def score_range(self, level: str) -> tuple[int, int]:
        """The scores (inclusive) that make a level, for filtering in the database."""
        return {
            Level.LOW: (1, self.medium_from - 1),
            Level.MEDIUM: (self.medium_from, self.high_from - 1),
            Level.HIGH: (self.high_from, self.critical_from - 1),
            Level.CRITICAL: (self.critical_from, 25),
        }[level]


class Risk(KeyedItem):
    """One risk (ACME-K5): cause → event → consequence, scored probability × impact.

    Internal by default; the project manager may share it with the client.
    """

    KEY_PREFIX = "K"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="risks",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.TECHNICAL
    )
    cause = models.TextField(_("cause"), blank=True, help_text=_("What could make it happen."))
    event = models.TextField(_("event"), blank=True, help_text=_("What would happen."))
    consequence = models.TextField(
        _("consequence"), blank=True, help_text=_("What it would do to the project.")
    )
    probability = models.PositiveSmallIntegerField(
        _("probability"), choices=Probability.choices, validators=SCALE
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, validators=SCALE)
    score = models.PositiveSmallIntegerField(_("score"), editable=False, validators=SCORE)
    strategy = models.CharField(
        _("response strategy"), max_length=10, choices=Strategy.choices, default=Strategy.MITIGATE
    )
    trigger = models.TextField(
        _("trigger / early-warning signs"),
        blank=True,
        help_text=_("What you would notice before it happens."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    reviewed_at = models.DateTimeField(_("last review"), null=True, blank=True)

    class Meta:
        ordering = ["-score", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="risks_risk_number"),
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5)
                & Q(impact__gte=1, impact__lte=5)
                & Q(score=F("probability") * F("impact")),
                name="risks_risk_scored",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "-score"], name="risks_risk_status_idx"),
            models.Index(fields=["project", "category"], name="risks_risk_category_idx"),
            # With the status, it covers the heat map's grouped count (no table reads).
            models.Index(
                fields=["project", "probability", "impact", "status"], name="risks_risk_cell_idx"
            ),
            models.Index(fields=["status", "-score"], name="risks_risk_org_idx"),
        ]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("risks:detail", kwargs={"key": self.project.key, "number": self.number})


class RiskReview(models.Model):
    """A dated assessment of a risk; the sequence shows its score over time."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    probability = models.PositiveSmallIntegerField(
        _("probability"), choices=Probability.choices, validators=SCALE
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, validators=SCALE)
    score = models.PositiveSmallIntegerField(_("score"), validators=SCORE)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["risk", "-reviewed_at", "-id"]
        indexes = [models.Index(fields=["risk", "reviewed_at"], name="risks_review_time_idx")]
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")

    def __str__(self) -> str:
        return f"{self.risk_id} {self.score}"


class ResponseAction(TimeStampedModel):
    """One step of a risk's response plan, with its owner and due date."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["risk", "done_at", "due_date", "id"]
        indexes = [models.Index(fields=["due_date", "done_at"], name="risks_action_due_idx")]
        verbose_name = _("response action")
        verbose_name_plural = _("response actions")

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_overdue(self) -> bool:
        return (
            self.done_at is None
            and self.due_date is not None
            and (self.due_date < timezone.localdate())
        )


class Problem(KeyedItem):
    """Something that went wrong (ACME-P3): what happened, its impact, the root cause and the
    solution — the "problems and solutions" a progress report tells the client. A risk that
    occurs becomes one. Internal by default; the project manager may share it with the client.
    """

    KEY_PREFIX = "P"

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="problems",
        verbose_name=_("project"),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what happened"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    risk = models.ForeignKey(
        Risk,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
        verbose_name=_("from risk"),
    )
    requirements = models.ManyToManyField(
        "requirements.Requirement",
        blank=True,
        related_name="problems",
        verbose_name=_("affected requirements"),
    )
    change_requests = models.ManyToManyField(
        "changes.ChangeRequest",
        blank=True,
        related_name="problems",
        verbose_name=_("change requests"),
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="risks_problem_number")
        ]
        indexes = [
            models.Index(fields=["project", "status", "due_date"], name="risks_problem_status_idx"),
        ]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "risks:problem-detail", kwargs={"key": self.project.key, "number": self.number}
        )

    @property
    def is_overdue(self) -> bool:
        return (
            self.status in OPEN_PROBLEM_STATES
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )
