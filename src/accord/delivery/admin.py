"""Read-only admin for superusers; changes go through the task pages, API and services."""

from django.contrib import admin

from accord.core.admin import ReadOnlyAdminMixin
from accord.delivery.models import Capacity, ChecklistItem, Task, TimeEntry, WipLimit


class ChecklistItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["position", "text", "done", "done_by", "done_at"]
    raw_id_fields = ["done_by"]


class TimeEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TimeEntry
    extra = 0
    fields = ["date", "user", "hours", "note"]
    raw_id_fields = ["user"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "project", "type", "status", "priority", "assignee", "due_date"]
    list_filter = ["status", "type", "priority"]
    search_fields = ["title", "project__key"]
    list_select_related = ["project", "assignee"]
    readonly_fields = ["number", "spent_hours", "version", "created_at", "updated_at"]
    raw_id_fields = ["assignee", "milestone", "response_action"]
    inlines = [ChecklistItemInline, TimeEntryInline]


@admin.register(WipLimit)
class WipLimitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "status", "limit"]
    list_select_related = ["project"]


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "hours_per_week"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
