"""Admin pages for the audit trail, and the read-only base for domain models.

Project content changes only through the services, which validate, keep the business rules and
write the audit trail; the admin therefore shows that content but does not change it.
"""

from django.contrib import admin

from accord.core.models import AuditEvent, PeriodicRun, WorkerHeartbeat


class ReadOnlyAdminMixin:
    """Browse and search in the admin; change through Accord's pages, API or commands."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "project", "target_label"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "target_label"]
    list_select_related = ["project"]
    date_hierarchy = "created_at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The running workers; written by the workers themselves (accord.core.worker)."""

    list_display = ["worker_id", "host", "pid", "started_at", "beat_at"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["job", "period_start", "worker_id", "created_at"]
    list_filter = ["job"]
    date_hierarchy = "period_start"
