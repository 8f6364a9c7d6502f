"""Input and output shapes of the risk register over the API.

Output serializers are read-only and never query per row: the views hand them risks with the
owner selected and the level annotated, reviews and actions read once per risk. Input
serializers only parse and type-check; the services enforce the rules (naming the field at
fault when they refuse).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api import texts
from accord.api.fields import BooleanField, IntegerField
from accord.api.serializers import ModelSerializer
from accord.core.choices import Visibility
from accord.risks.choices import Category, Impact, Level, Probability, RiskStatus, Strategy
from accord.risks.models import Problem, ResponseAction, Risk, RiskReview, RiskThresholds
from accord.risks.problem_selectors import problem_numbers_by_risk

OWNER_HELP = _("The owner's user id (a member of the project), or null for nobody.")


class ReviewSerializer(ModelSerializer):
    reviewed_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = RiskReview
        fields = [
            "id", "reviewed_at", "reviewed_by", "probability", "impact", "score", "status",
            "note",
        ]  # fmt: skip
        read_only_fields = fields


class ActionSerializer(ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ResponseAction
        fields = [
            "id", "description", "owner", "due_date", "done_at", "is_overdue", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


def with_problem_numbers(risks: list[Risk], context: dict[str, Any]) -> list[Risk]:
    """Each risk with `problem_numbers`: its problems the reader may see (one query)."""
    risks = [risk for risk in risks if not hasattr(risk, "problem_numbers")]
    if risks:
        user = context["request"].user
        project = context.get("project") or risks[0].project
        numbers = problem_numbers_by_risk(user, project, risks)
        for risk in risks:
            risk.problem_numbers = numbers[risk.pk]
    return risks


class RiskListSerializer(serializers.ListSerializer):
    """A page of risks, their problems read for the whole page at once."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        risks = list(data.all() if hasattr(data, "all") else data)
        with_problem_numbers(risks, self.context)
        return super().to_representation(risks)


class RiskSerializer(ModelSerializer):
    """A risk as a register row: its score, level and where it stands, without its texts."""

    key = serializers.SerializerMethodField()
    level = serializers.ChoiceField(choices=Level.choices, read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    problems = serializers.SerializerMethodField(
        help_text=_("The problems that came from the risk (as you may see them), newest first.")
    )

    class Meta:
        model = Risk
        fields = [
            "key", "number", "title", "category", "probability", "impact", "score", "level",
            "strategy", "status", "visibility", "owner", "reviewed_at", "problems", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = RiskListSerializer

    @extend_schema_field(serializers.CharField())
    def get_key(self, risk: Risk) -> str:
        project = self.context.get("project") or risk.project
        return f"{project.key}-{Risk.KEY_PREFIX}{risk.number}"

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_problems(self, risk: Risk) -> list[str]:
        with_problem_numbers([risk], self.context)
        project = self.context.get("project") or risk.project
        return [f"{project.key}-{Problem.KEY_PREFIX}{n}" for n in risk.problem_numbers]


class RiskDetailSerializer(RiskSerializer):
    """A risk with its description (cause → event → consequence), its reviews newest first and
    its response actions."""

    reviews = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(RiskSerializer.Meta):
        fields = [
            *RiskSerializer.Meta.fields, "cause", "event", "consequence", "trigger", "reviews",
            "actions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, risk: Risk) -> list[dict[str, Any]]:
        return ReviewSerializer(risk.review_rows, many=True, context=self.context).data

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, risk: Risk) -> list[dict[str, Any]]:
        return ActionSerializer(risk.action_rows, many=True, context=self.context).data


class RiskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.TECHNICAL)
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    event = serializers.CharField(required=False, allow_blank=True, default="")
    consequence = serializers.CharField(required=False, allow_blank=True, default="")
    probability = serializers.ChoiceField(choices=Probability.choices)
    impact = serializers.ChoiceField(choices=Impact.choices)
    strategy = serializers.ChoiceField(choices=Strategy.choices, default=Strategy.MITIGATE)
    trigger = serializers.CharField(required=False, allow_blank=True, default="")
    owner = IntegerField(required=False, allow_null=True, default=None, help_text=OWNER_HELP)
    status = serializers.ChoiceField(choices=RiskStatus.choices, default=RiskStatus.OPEN)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)


class RiskUpdateSerializer(RiskInputSerializer):
    """Any of the fields of a risk; a change of probability, impact or status records a
    review."""


class ReviewInputSerializer(serializers.Serializer):
    probability = serializers.ChoiceField(choices=Probability.choices)
    impact = serializers.ChoiceField(choices=Impact.choices)
    status = serializers.ChoiceField(choices=RiskStatus.choices, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, allow_blank=True)
    owner = IntegerField(required=False, allow_null=True, default=None, help_text=OWNER_HELP)
    due_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=texts.DUE_NOT_PAST_HELP
    )


class ActionUpdateSerializer(ActionInputSerializer):
    """Any of an action's fields; a due date in the past is allowed here (history)."""


class ActionCompleteSerializer(serializers.Serializer):
    done = BooleanField(default=True, help_text=_("False marks it not done again."))


class HeatMapCellSerializer(serializers.Serializer):
    probability = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    level = serializers.ChoiceField(choices=Level.choices)
    count = serializers.IntegerField()


class ThresholdsSerializer(ModelSerializer):
    is_default = serializers.SerializerMethodField(
        help_text=_("True while the project keeps the default thresholds.")
    )

    class Meta:
        model = RiskThresholds
        fields = ["medium_from", "high_from", "critical_from", "is_default", "version"]
        read_only_fields = ["is_default", "version"]

    @extend_schema_field(serializers.BooleanField())
    def get_is_default(self, thresholds: RiskThresholds) -> bool:
        return thresholds.pk is None


class ThresholdsInputSerializer(serializers.Serializer):
    medium_from = IntegerField()
    high_from = IntegerField()
    critical_from = IntegerField()


class HeatMapSerializer(serializers.Serializer):
    """Five rows, probability 5 down to 1; each five cells, impact 1 to 5."""

    thresholds = ThresholdsSerializer()
    total = serializers.IntegerField()
    rows = serializers.ListField(child=HeatMapCellSerializer(many=True))
