"""Read-only admin for superusers; changes go through the change control pages, API and
services (an edit here would bypass the content hash and the approvals bound to it)."""

from django.contrib import admin

from accord.changes.models import ApprovalPolicy, ChangeApproval, ChangeItem, ChangeRequest
from accord.core.admin import ReadOnlyAdminMixin


class ChangeItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChangeItem
    extra = 0
    fields = ["position", "action", "requirement", "base_version", "note", "result_version"]
    raw_id_fields = ["requirement", "base_version", "result_requirement", "result_version"]


class ChangeApprovalInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ChangeApproval
    extra = 0
    fields = ["approver", "slot", "decision", "revision", "decided_at", "voided_at"]
    raw_id_fields = ["approver"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "project", "type", "status", "visibility", "revision"]
    list_filter = ["status", "type", "visibility"]
    search_fields = ["title", "project__key"]
    list_select_related = ["project"]
    readonly_fields = ["number", "content_hash", "revision", "version", "created_at"]
    raw_id_fields = ["requested_by", "implemented_by", "baseline"]
    inlines = [ChangeItemInline, ChangeApprovalInline]


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "require_manager", "client_approvals", "board_approvals"]
    search_fields = ["project__key"]
    list_select_related = ["project"]
    readonly_fields = ["version", "created_at", "updated_at"]
