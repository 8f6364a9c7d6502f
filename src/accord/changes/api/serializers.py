"""Input and output shapes of change control over the API.

Output serializers never query per row: the views hand them requests with the requester
selected, and the detail's parts (redline, schedule, risks, approvals) read once. A redline
line on a requirement the reader may not see (a client, an internal requirement) shows only
its position and action. Input serializers parse and type-check; the services enforce the
rules and name the field they refuse.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api.fields import BooleanField, IntegerField
from accord.api.serializers import ModelSerializer
from accord.changes.choices import (
    ApproverSlot,
    ChangeType,
    Decision,
    ItemAction,
    Status,
    Transition,
    Urgency,
)
from accord.changes.models import ApprovalPolicy, ChangeApproval, ChangeRequest


def _key(context: dict[str, Any], prefix: str, number: int | None) -> str | None:
    if number is None:
        return None
    return f"{context['project'].key}-{prefix}{number}"


class ChangeApprovalSerializer(ModelSerializer):
    approver = UserSummarySerializer(read_only=True, allow_null=True)
    slot = serializers.ChoiceField(choices=ApproverSlot.choices, read_only=True)
    decision = serializers.ChoiceField(choices=Decision.choices, read_only=True)
    is_live = serializers.SerializerMethodField(
        help_text=_("False once an edit of the request voided the decision.")
    )

    class Meta:
        model = ChangeApproval
        fields = [
            "id", "approver", "slot", "decision", "comment", "content_hash", "revision",
            "decided_at", "is_live", "voided_at", "void_reason",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_live(self, approval: ChangeApproval) -> bool:
        return approval.voided_at is None


class ChangeSerializer(ModelSerializer):
    """A change request as a change log row."""

    key = serializers.SerializerMethodField()
    requested_by = UserSummarySerializer(read_only=True, allow_null=True)
    type = serializers.ChoiceField(choices=ChangeType.choices, read_only=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "key", "number", "title", "type", "urgency", "status", "visibility",
            "requested_by", "revision", "content_hash", "effort_days", "cost", "cost_currency",
            "submitted_at", "approval_due", "decided_at", "implemented_at", "closed_at",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_key(self, change: ChangeRequest) -> str:
        return _key(self.context, ChangeRequest.KEY_PREFIX, change.number)


class ChangeItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ItemAction.choices)
    hidden = serializers.BooleanField(
        help_text=_("True for a line on a requirement not yet shared with you: no key, no text.")
    )
    requirement = serializers.CharField(allow_null=True, help_text=_("Its key, e.g. ACME-R12."))
    requirement_number = serializers.IntegerField(allow_null=True)
    base_version = serializers.IntegerField(
        allow_null=True, help_text=_("The version number the line was written against.")
    )
    proposed = serializers.DictField(
        help_text=_("The proposed requirement content (empty for a withdrawal).")
    )
    note = serializers.CharField(allow_blank=True)
    result_requirement = serializers.CharField(allow_null=True)
    result_version = serializers.IntegerField(allow_null=True)


class ChangeScheduleSerializer(serializers.Serializer):
    milestone = serializers.CharField(help_text=_("Its key, e.g. ACME-M2."))
    milestone_number = serializers.IntegerField()
    name = serializers.CharField()
    due_date = serializers.DateField()
    shift_days = serializers.IntegerField()
    new_date = serializers.DateField()
    note = serializers.CharField(allow_blank=True)


class ChangeSlotSerializer(serializers.Serializer):
    slot = serializers.ChoiceField(choices=ApproverSlot.choices)
    needed = serializers.IntegerField()
    given = serializers.IntegerField()


class ChangeDetailSerializer(ChangeSerializer):
    """A change request with its redline, assessment, approvals and what the reader may do."""

    items = ChangeItemSerializer(many=True, source="item_rows", read_only=True)
    schedule = ChangeScheduleSerializer(many=True, source="schedule_rows", read_only=True)
    new_risks = serializers.ListField(
        child=serializers.CharField(), source="new_risk_keys", read_only=True
    )
    source_risks = serializers.ListField(
        child=serializers.CharField(), source="source_risk_keys", read_only=True
    )
    approvals = ChangeApprovalSerializer(many=True, source="approval_rows", read_only=True)
    pending = ChangeSlotSerializer(many=True, source="pending_rows", read_only=True)
    baseline = serializers.CharField(source="baseline_key", allow_null=True, read_only=True)
    transitions = serializers.ListField(
        child=serializers.ChoiceField(choices=Transition.choices),
        read_only=True,
        help_text=_("The workflow steps you may take now."),
    )
    may_decide_as = serializers.ChoiceField(
        choices=ApproverSlot.choices,
        allow_null=True,
        read_only=True,
        help_text=_("The part of the approval policy your decision would count toward now."),
    )
    may_apply = serializers.BooleanField(read_only=True)

    class Meta(ChangeSerializer.Meta):
        fields = [
            *ChangeSerializer.Meta.fields, "reason", "background", "source_reference",
            "assessment", "items", "schedule", "new_risks", "source_risks", "approvals",
            "pending", "baseline", "transitions", "may_decide_as", "may_apply",
        ]  # fmt: skip
        read_only_fields = fields


class ChangeItemInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ItemAction.choices)
    requirement = IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The requirement's number (12 for ACME-R12); null when adding one."),
    )
    proposed = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "Requirement content: title, background, description, type, quality_attribute, "
            "priority, source, source_stakeholder, source_reference, acceptance_criteria "
            "([{style: free, text} | {style: gherkin, given, when, then}]). For a change, "
            "missing fields keep their current value."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ChangeScheduleInputSerializer(serializers.Serializer):
    milestone = IntegerField(help_text=_("The milestone's number (2 for ACME-M2)."))
    shift_days = IntegerField(
        min_value=-3650, max_value=3650, help_text=_("Days; negative means earlier.")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ChangeInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    type = serializers.ChoiceField(choices=ChangeType.choices, default=ChangeType.MODIFY_SCOPE)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    reason = serializers.CharField(allow_blank=True)
    background = serializers.CharField(required=False, allow_blank=True)
    source_reference = serializers.CharField(required=False, allow_blank=True, max_length=500)
    effort_days = serializers.DecimalField(
        max_digits=8, decimal_places=1, required=False, allow_null=True
    )
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    cost_currency = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=3,
        help_text=_("A three-letter code such as CNY or EUR; needed with a cost."),
    )
    assessment = serializers.CharField(required=False, allow_blank=True)
    items = ChangeItemInputSerializer(many=True, required=False)
    schedule = ChangeScheduleInputSerializer(many=True, required=False)
    new_risks = serializers.ListField(
        child=IntegerField(), required=False, help_text=_("Risk numbers.")
    )
    source_risks = serializers.ListField(
        child=IntegerField(), required=False, help_text=_("Risk numbers.")
    )


class ChangeUpdateSerializer(ChangeInputSerializer):
    """Any of the fields; a list given replaces the whole list (redline, schedule, risks).
    A change of the content makes a new revision and voids the live approvals."""


class ChangeTransitionInputSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=Transition.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeDecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Required to reject.")
    )
    content_hash = serializers.CharField(
        allow_blank=True,
        help_text=_("The content_hash of the request as you read it; refused if it changed."),
    )


class ChangeApplyInputSerializer(serializers.Serializer):
    record_baseline = BooleanField(default=True)
    baseline_name = serializers.CharField(required=False, allow_blank=True, default="")
    create_tasks = BooleanField(
        default=False, help_text=_("One task per added or changed requirement.")
    )


class ChangeImpactLineSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    action = serializers.ChoiceField(choices=ItemAction.choices)
    hidden = serializers.BooleanField()
    requirement = serializers.CharField(allow_null=True)
    outdated = serializers.BooleanField(
        help_text=_("The requirement changed since the line was written.")
    )
    changed_fields = serializers.ListField(child=serializers.CharField())
    current = serializers.DictField(allow_null=True)
    proposed = serializers.DictField()
    superseded_confirmation = serializers.DictField(allow_null=True)
    open_tasks = serializers.IntegerField()
    done_tasks = serializers.IntegerField()
    task_keys = serializers.ListField(
        child=serializers.CharField(), help_text=_("Empty for clients (they see counts only).")
    )
    milestones = serializers.ListField(child=serializers.CharField())


class ChangeImpactSerializer(serializers.Serializer):
    lines = ChangeImpactLineSerializer(many=True)
    schedule = ChangeScheduleSerializer(many=True)
    effort_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    cost_currency = serializers.CharField(allow_blank=True)
    assessment = serializers.CharField(allow_blank=True)
    new_risks = serializers.ListField(child=serializers.CharField())
    hidden_risks = serializers.IntegerField()
    open_tasks = serializers.IntegerField()
    done_tasks = serializers.IntegerField()
    superseded_confirmations = serializers.IntegerField()


class ChangePolicySerializer(ModelSerializer):
    board = serializers.SerializerMethodField(help_text=_("User ids of the change board."))
    is_default = serializers.SerializerMethodField(
        help_text=_("True while the project keeps the default policy.")
    )

    class Meta:
        model = ApprovalPolicy
        fields = [
            "require_manager", "client_approvals", "board", "board_approvals",
            "allow_self_approval", "decision_days", "is_default", "version",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_board(self, policy: ApprovalPolicy) -> list[int]:
        from accord.changes.selectors import board_ids

        return sorted(board_ids(policy))

    @extend_schema_field(serializers.BooleanField())
    def get_is_default(self, policy: ApprovalPolicy) -> bool:
        return policy.pk is None


class ChangePolicyInputSerializer(serializers.Serializer):
    # The service refuses a policy without an approver: the manager, or at least one client or
    # board approval.
    request_schema = {
        "anyOf": [
            {"properties": {"require_manager": {"enum": [True]}}},
            {"properties": {"client_approvals": {"minimum": 1}}},
            {"properties": {"board_approvals": {"minimum": 1}}, "required": ["board_approvals"]},
        ]
    }

    require_manager = BooleanField()
    # The policy model's own ranges, so the schema states them.
    client_approvals = IntegerField(min_value=0, max_value=20)
    board_approvals = IntegerField(min_value=0, max_value=20, default=0)
    board = serializers.ListField(child=IntegerField(), required=False, help_text=_("User ids."))
    allow_self_approval = BooleanField(default=False)
    decision_days = IntegerField(min_value=1, max_value=90)


class ChangeMetricsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    by_state = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Count per status.")
    )
    decided = serializers.IntegerField()
    mean_days_to_decision = serializers.FloatField(allow_null=True)
    approved_shift_days = serializers.IntegerField()
    approved_cost = serializers.DictField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        help_text=_("Total approved cost per currency."),
    )
    approved_effort_days = serializers.DecimalField(max_digits=10, decimal_places=1)
