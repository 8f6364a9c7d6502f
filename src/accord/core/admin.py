"""Admin pages for the audit trail, and the read-only base for domain models.

Project content changes only through the services, which validate, keep the business rules and
write the audit trail; the admin therefore shows that content but does not change it.
"""

from django.contrib import admin

from accord.core.models import AuditEvent


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
