"""Read-only admin for superusers; changes go through the project pages, API and commands."""

from django.contrib import admin

from accord.core.admin import ReadOnlyAdminMixin
from accord.projects.models import Invitation, Membership, Milestone, Project


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "can_approve"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "name", "client_name", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["key", "name", "client_name"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # Item keys are built from the project key, so it is fixed once the project exists.
        fields = list(super().get_readonly_fields(request, obj))
        return ["key", *fields] if obj is not None else fields


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "project", "due_date", "status", "visibility"]
    list_filter = ["status", "visibility"]
    search_fields = ["name", "project__key"]
    list_select_related = ["project"]
    readonly_fields = ["number", "version", "created_at", "updated_at"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "project", "role", "status", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "project__key"]
    list_select_related = ["project"]
    readonly_fields = ["token_digest", "invited_by", "accepted_by", "accepted_at"]
