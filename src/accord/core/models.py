"""Base models, per-project numbering and the append-only audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.core.querysets import ProjectContentQuerySet


class TimeStampedModel(models.Model):
    """Creation and last-change times, and a version number for optimistic locking."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ProjectCounter(models.Model):
    """The last number handed out for one kind of item in one project (ACME-R12 → 12)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE)
    kind = models.CharField(max_length=8)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="core_counter_project_kind")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.kind}={self.value}"


class KeyedItem(TimeStampedModel):
    """An item numbered per project and kind; its key reads like ACME-M2."""

    KEY_PREFIX = ""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )

    objects = ProjectContentQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def key(self) -> str:
        return f"{self.project.key}-{self.KEY_PREFIX}{self.number}"

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED


class AuditChainHead(models.Model):
    """The newest record of one audit chain; locked while appending so the chain never forks."""

    scope = models.CharField(max_length=40, unique=True)
    last_hash = models.CharField(max_length=64, default="")
    length = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope} #{self.length}"


class AuditEvent(models.Model):
    """One append-only audit record; `hash` covers its content and the previous record's hash.

    Each project has its own chain (scope `project:<id>`); events outside any project form the
    `global` chain. `accord verify` recomputes every chain.
    """

    scope = models.CharField(max_length=40, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    created_at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64)
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        verbose_name=_("project"),
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = ProjectContentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "sequence"], name="core_audit_scope_sequence")
        ]
        indexes = [
            models.Index(fields=["project", "-id"], name="core_audit_project_idx"),
            # An object's history, newest first: equality on the object, then id in order, so
            # "the last records about X" never scans the trail backwards.
            models.Index(
                fields=["target_type", "target_id", "-id"], name="core_audit_target_recent_idx"
            ),
        ]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: a stored record is never rewritten through the ORM.
        if self.pk is not None:
            raise ValueError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValueError("Audit records are append-only.")

    @property
    def changed_fields(self) -> list[tuple[str, object, object]]:
        keys = sorted(set(self.before) | set(self.after))
        return [(k, self.before.get(k), self.after.get(k)) for k in keys]


class WorkerHeartbeat(models.Model):
    """One running `accord worker`; it beats every few seconds (`ACCORD_WORKER_HEARTBEAT`).

    A worker whose beat is older than `ACCORD_WORKER_DEAD_AFTER` is dead: the running workers
    delete its row and hand its jobs to the living (accord.core.worker.services).
    """

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    beat_at = models.DateTimeField(_("last beat"), db_index=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.worker_id[:8]} ({self.host}:{self.pid})"


class PeriodicRun(models.Model):
    """One period's run of one periodic job; the unique (job, period) row is what makes two
    workers racing for the same period start the job once."""

    job = models.CharField(_("job"), max_length=100)
    period_start = models.DateTimeField(_("period"))
    worker_id = models.CharField(_("worker"), max_length=64)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="core_periodic_run_once")
        ]
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self) -> str:
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M}"
