"""Read-only admin for superusers; changes go through the risk pages, API and services."""

from django.contrib import admin

from accord.core.admin import ReadOnlyAdminMixin
from accord.risks.models import ResponseAction, Risk, RiskReview, RiskThresholds


class RiskReviewInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RiskReview
    extra = 0
    fields = ["reviewed_at", "reviewed_by", "probability", "impact", "score", "status", "note"]
    raw_id_fields = ["reviewed_by"]


class ResponseActionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ResponseAction
    extra = 0
    fields = ["description", "owner", "due_date", "done_at"]
    raw_id_fields = ["owner"]


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "project", "category", "score", "status", "visibility", "owner"]
    list_filter = ["status", "category", "visibility"]
    search_fields = ["title", "project__key"]
    list_select_related = ["project", "owner"]
    readonly_fields = ["number", "score", "version", "created_at", "updated_at"]
    raw_id_fields = ["owner"]
    inlines = [RiskReviewInline, ResponseActionInline]


@admin.register(RiskThresholds)
class RiskThresholdsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "medium_from", "high_from", "critical_from"]
    search_fields = ["project__key"]
    list_select_related = ["project"]
    readonly_fields = ["version", "created_at", "updated_at"]
