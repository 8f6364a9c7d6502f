"""Input and output shapes of requirements and everything around them.

Output serializers are read-only and never query per row: the views hand them querysets with
the related rows selected or prefetched. Input serializers only parse and type-check; the
services enforce the rules (and name the field at fault when they refuse).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.accounts.api.serializers import UserSummarySerializer
from accord.api import texts
from accord.api.fields import BooleanField, IntegerField
from accord.api.references import ReferenceKeyField, visible_reference
from accord.api.serializers import ModelSerializer
from accord.core.choices import Visibility
from accord.core.markdown import render_markdown
from accord.requirements.choices import (
    CriterionStyle,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Transition,
)
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    ClientDecision,
    Comment,
    Requirement,
    RequirementVersion,
    Submission,
)


def requirement_key(project_key: str, number: int | None) -> str | None:
    return None if number is None else f"{project_key}-{Requirement.KEY_PREFIX}{number}"


class NumberListField(serializers.ListField):
    """A non-empty list of requirement numbers, without duplicates, in the order given."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", texts.REQUIREMENT_NUMBERS_HELP)
        super().__init__(
            child=IntegerField(min_value=1), allow_empty=False, max_length=500, **kwargs
        )

    def to_internal_value(self, data: Any) -> list[int]:
        numbers = super().to_internal_value(data)
        return list(dict.fromkeys(numbers))


class TagListField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", texts.TAGS_HELP)
        super().__init__(
            child=serializers.CharField(max_length=40, allow_blank=False), max_length=50, **kwargs
        )


# Acceptance criteria -------------------------------------------------------------------------


class CriterionSerializer(ModelSerializer):
    verified_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = AcceptanceCriterion
        fields = [
            "id", "position", "style", "text", "given", "when", "then", "verified",
            "verified_by", "verified_at", "verification_note",
        ]  # fmt: skip
        read_only_fields = fields


class CriterionInputSerializer(serializers.Serializer):
    id = IntegerField(required=False, min_value=1, help_text=texts.CRITERION_ID_HELP)
    style = serializers.ChoiceField(choices=CriterionStyle.choices, default=CriterionStyle.FREE)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    given = serializers.CharField(required=False, allow_blank=True, default="")
    when = serializers.CharField(required=False, allow_blank=True, default="")
    then = serializers.CharField(required=False, allow_blank=True, default="")


class CriterionVerifySerializer(serializers.Serializer):
    verified = BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


# Requirements --------------------------------------------------------------------------------


class TaskProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=texts.TASKS_TOTAL_HELP)
    done = serializers.IntegerField(help_text=texts.TASKS_DONE_HELP)
    percent = serializers.IntegerField(help_text=texts.TASKS_PERCENT_HELP)


def task_progress_of(requirements: list[Requirement], context: dict[str, Any]) -> dict[int, Any]:
    """The delivery progress of each requirement (by id) as the API shows it: its linked tasks,
    total and done, in one query for any number of requirements; None for every requirement
    when the reader may not see tasks (clients)."""
    from accord.delivery import policies as delivery_policies
    from accord.delivery.progress import requirement_progress

    if not requirements:
        return {}
    project = context.get("project") or requirements[0].project
    if not delivery_policies.can_view_tasks(context["request"].user, project):
        return dict.fromkeys((r.pk for r in requirements), None)
    return {
        pk: {"total": found.total, "done": found.done, "percent": found.percent}
        for pk, found in requirement_progress(requirements).items()
    }


class RequirementListSerializer(serializers.ListSerializer):
    """Requirement list rows built by hand, with the same output as the row serializer.

    A page of a hundred requirements through DRF's field machinery costs more than fetching
    them: the rows here are plain dicts from the attributes, with the project's key read once
    per page and the version numbers taken from the `*_number` annotations of the list
    queryset when it has them (from the related rows otherwise); the parent, as the reader may
    see it (`visible_reference`). The conversions that
    have rules of their own (decimals, date-times) go through the row serializer's fields.
    `test_api_list_fast` holds the output equal to the field by field one.
    """

    # Per row serializer class: the to_representation of its effort and date-time fields.
    _conversions_of: dict[type, tuple[Any, Any, Any]] = {}

    def _conversions(self) -> tuple[Any, Any, Any]:
        """The row serializer's own field conversions, bound once per class (they keep no
        state), so a page does not copy its fields."""
        cls = type(self.child)
        found = self._conversions_of.get(cls)
        if found is None:
            fields = self.child.fields
            found = tuple(
                fields[name].to_representation
                for name in ("effort_days", "created_at", "updated_at")
            )
            self._conversions_of[cls] = found
        return found

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        requirements = data.all() if isinstance(data, models.manager.BaseManager) else data
        requirements = list(requirements)
        progress = task_progress_of(requirements, self.context)
        effort, created, updated = self._conversions()
        project = self.context.get("project")
        project_key = project.key if project is not None else None
        user = self.context["request"].user
        prefix = Requirement.KEY_PREFIX
        rows = []

        def tags(requirement: Requirement) -> Any:
            # The list view prefetches them into `tag_list`.
            found = getattr(requirement, "tag_list", None)
            return requirement.tags.all() if found is None else found

        for requirement in requirements:
            key = project_key if project_key is not None else requirement.project.key
            values = requirement.__dict__
            # A parent the reader may not see reads as none (the row's own project is theirs).
            parent_item = visible_reference(
                user, requirement.parent if requirement.parent_id else None, project
            )
            parent = parent_item.number if parent_item is not None else None
            if "current_version_number" in values:
                current = values["current_version_number"]
                confirmed = values["confirmed_version_number"]
            else:
                current = (
                    requirement.current_version.number if requirement.current_version_id else None
                )
                confirmed = (
                    requirement.confirmed_version.number
                    if requirement.confirmed_version_id
                    else None
                )
            effort_days = requirement.effort_days
            business_value = requirement.business_value
            changed = bool(requirement.changed_since_confirmation)
            rows.append(
                {
                    "key": f"{key}-{prefix}{requirement.number}",
                    "number": int(requirement.number),
                    "title": str(requirement.title),
                    "type": requirement.type,
                    "quality_attribute": requirement.quality_attribute,
                    "priority": requirement.priority,
                    "business_value": None if business_value is None else int(business_value),
                    "effort_days": None if effort_days is None else effort(effort_days),
                    "source": requirement.source,
                    "status": requirement.status,
                    "parent": None if parent is None else f"{key}-{prefix}{parent}",
                    "tags": sorted(tag.name for tag in tags(requirement)),
                    "current_version": current,
                    "confirmed_version": confirmed,
                    "changed_since_confirmation": changed,
                    "is_confirmed": requirement.confirmed_version_id is not None and not changed,
                    "task_progress": progress[requirement.pk],
                    "version": int(requirement.version),
                    "created_at": created(requirement.created_at),
                    "updated_at": updated(requirement.updated_at),
                }
            )
        return rows


# Many requirements (`many=True`) go through RequirementListSerializer, the same rows built by
# hand; one goes field by field. (The docstring below is the schema's description.)
class RequirementSerializer(ModelSerializer):
    """A requirement as a list row: its planning data and where it stands, without its texts."""

    key = serializers.SerializerMethodField(help_text=texts.REQUIREMENT_KEY_HELP)
    parent = ReferenceKeyField(help_text=texts.REQUIREMENT_KEY_HELP)
    tags = serializers.SerializerMethodField()
    current_version = serializers.SerializerMethodField()
    confirmed_version = serializers.SerializerMethodField()
    is_confirmed = serializers.BooleanField(read_only=True)
    task_progress = serializers.SerializerMethodField(help_text=texts.TASK_PROGRESS_HELP)

    class Meta:
        model = Requirement
        fields = [
            "key", "number", "title", "type", "quality_attribute", "priority",
            "business_value", "effort_days", "source", "status", "parent", "tags",
            "current_version", "confirmed_version", "changed_since_confirmation",
            "is_confirmed", "task_progress", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = RequirementListSerializer

    def _project_key(self, requirement: Requirement) -> str:
        project = self.context.get("project")
        return project.key if project is not None else requirement.project.key

    @extend_schema_field(serializers.CharField())
    def get_key(self, requirement: Requirement) -> str:
        return requirement_key(self._project_key(requirement), requirement.number) or ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, requirement: Requirement) -> list[str]:
        # Prefetched by the views; sorted here so no query orders them.
        return sorted(tag.name for tag in requirement.tags.all())

    @extend_schema_field(TaskProgressSerializer(allow_null=True))
    def get_task_progress(self, requirement: Requirement) -> dict[str, int] | None:
        return task_progress_of([requirement], self.context)[requirement.pk]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_current_version(self, requirement: Requirement) -> int | None:
        version = requirement.current_version if requirement.current_version_id else None
        return version.number if version else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_confirmed_version(self, requirement: Requirement) -> int | None:
        version = requirement.confirmed_version if requirement.confirmed_version_id else None
        return version.number if version else None


class RequirementDetailSerializer(RequirementSerializer):
    """One requirement with its texts, criteria, hashes and what the caller may do with it."""

    criteria = serializers.SerializerMethodField()
    current_version_hash = serializers.SerializerMethodField(help_text=texts.CONTENT_HASH_HELP)
    confirmed_version_hash = serializers.SerializerMethodField(help_text=texts.CONTENT_HASH_HELP)
    available_transitions = serializers.SerializerMethodField(help_text=texts.TRANSITIONS_HELP)

    class Meta(RequirementSerializer.Meta):
        fields = [
            *RequirementSerializer.Meta.fields[:3],
            "background", "description",
            *RequirementSerializer.Meta.fields[3:9],
            "source_stakeholder", "source_reference",
            *RequirementSerializer.Meta.fields[9:],
            "criteria", "current_version_hash", "confirmed_version_hash",
            "available_transitions",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = serializers.ListSerializer

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, requirement: Requirement) -> list[dict[str, Any]]:
        criteria = getattr(requirement, "criteria_list", None)
        if criteria is None:
            criteria = requirement.criteria.select_related("verified_by").order_by("position")
        return CriterionSerializer(criteria, many=True, context=self.context).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_current_version_hash(self, requirement: Requirement) -> str | None:
        version = requirement.current_version if requirement.current_version_id else None
        return version.content_hash if version else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_confirmed_version_hash(self, requirement: Requirement) -> str | None:
        version = requirement.confirmed_version if requirement.confirmed_version_id else None
        return version.content_hash if version else None

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=Transition.choices))
    )
    def get_available_transitions(self, requirement: Requirement) -> list[str]:
        return list(getattr(requirement, "transitions", []))


class RequirementInputSerializer(serializers.Serializer):
    """The fields of a new requirement, or (partially) of an edit."""

    title = serializers.CharField(max_length=300)
    background = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=RequirementType.choices, required=False)
    quality_attribute = serializers.ChoiceField(
        choices=QualityAttribute.choices, required=False, allow_blank=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    business_value = IntegerField(required=False, allow_null=True, min_value=1, max_value=10)
    effort_days = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        required=False,
        allow_null=True,
        min_value=Decimal(0),
        max_value=Decimal(10000),
        coerce_to_string=False,
    )
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    source_stakeholder = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source_reference = serializers.CharField(max_length=500, required=False, allow_blank=True)
    parent = IntegerField(required=False, allow_null=True, min_value=1, help_text=texts.PARENT_HELP)
    criteria = CriterionInputSerializer(many=True, required=False, help_text=texts.CRITERIA_HELP)
    tags = TagListField(required=False)
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=texts.VERSION_NOTE_HELP
    )


class RequirementUpdateSerializer(RequirementInputSerializer):
    title = serializers.CharField(max_length=300, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"note"}:
            raise serializers.ValidationError(texts.NOTHING_TO_CHANGE)
        return attrs


class TransitionInputSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=Transition.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class BulkTagSerializer(serializers.Serializer):
    requirements = NumberListField()
    add = TagListField(required=False, default=list)
    remove = TagListField(required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["add"] and not attrs["remove"]:
            raise serializers.ValidationError({"add": [texts.TAGS_TO_CHANGE]})
        return attrs


class BulkTagResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()


# Versions and diffs --------------------------------------------------------------------------


class ConfirmationSummarySerializer(serializers.Serializer):
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True)
    content_hash = serializers.CharField(read_only=True)


class VersionSerializer(ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    confirmation = serializers.SerializerMethodField()

    class Meta:
        model = RequirementVersion
        fields = [
            "number", "content_hash", "author", "note", "created_at", "client_visible",
            "confirmation",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ConfirmationSummarySerializer(allow_null=True))
    def get_confirmation(self, version: RequirementVersion) -> dict[str, Any] | None:
        # `with_confirmations` prefetched them into `confirmations`.
        confirmations = getattr(version, "confirmations", None) or []
        if not confirmations:
            return None
        return ConfirmationSummarySerializer(confirmations[0], context=self.context).data


class VersionDetailSerializer(VersionSerializer):
    content = serializers.JSONField(read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "content"]
        read_only_fields = fields


class VersionRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField()


class DiffFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True)
    changed = serializers.BooleanField()
    ops = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text=texts.DIFF_OPS_HELP,
    )


class DiffSerializer(serializers.Serializer):
    """Two versions of a requirement compared field by field."""

    # "from", "to" and "fields" cannot be declared in a class body; get_fields adds them.
    key = serializers.CharField(help_text=texts.REQUIREMENT_KEY_HELP)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = VersionRefSerializer()
        fields["to"] = VersionRefSerializer()
        fields["fields"] = DiffFieldSerializer(many=True)
        return fields


# Client decisions and submissions ------------------------------------------------------------


class DecisionSerializer(ModelSerializer):
    requirement = serializers.SerializerMethodField(help_text=texts.REQUIREMENT_KEY_HELP)
    version = serializers.IntegerField(source="version.number", read_only=True)
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ClientDecision
        fields = [
            "id", "requirement", "decision", "version", "content_hash", "decided_by",
            "decided_at", "comment",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_requirement(self, decision: ClientDecision) -> str:
        project = self.context["project"]
        return requirement_key(project.key, decision.requirement.number) or ""


class DecisionInputSerializer(serializers.Serializer):
    expected_hash = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text=texts.EXPECTED_HASH_HELP
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnInputSerializer(DecisionInputSerializer):
    # The service refuses an empty comment with a message naming the field.
    comment = serializers.CharField(allow_blank=True)


class ConfirmManyInputSerializer(serializers.Serializer):
    requirements = NumberListField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SubmissionItemSerializer(serializers.Serializer):
    requirement = serializers.CharField(help_text=texts.REQUIREMENT_KEY_HELP)
    title = serializers.CharField()
    version = serializers.IntegerField()
    content_hash = serializers.CharField()


class SubmissionSerializer(ModelSerializer):
    submitted_by = UserSummarySerializer(read_only=True, allow_null=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "submitted_by", "message", "created_at", "items"]
        read_only_fields = fields

    @extend_schema_field(SubmissionItemSerializer(many=True))
    def get_items(self, submission: Submission) -> list[dict[str, Any]]:
        project = self.context["project"]
        items = getattr(submission, "visible_items", None)
        if items is None:
            items = submission.items.select_related("requirement", "version")
        return [
            {
                "requirement": requirement_key(project.key, item.requirement.number),
                "title": item.requirement.title,
                "version": item.version.number,
                "content_hash": item.version.content_hash,
            }
            for item in sorted(items, key=lambda item: item.requirement.number)
        ]


class SubmissionInputSerializer(serializers.Serializer):
    requirements = NumberListField()
    message = serializers.CharField(required=False, allow_blank=True, default="")


# Baselines -----------------------------------------------------------------------------------


class BaselineSerializer(ModelSerializer):
    key = serializers.SerializerMethodField()
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Baseline
        fields = [
            "key", "number", "name", "description", "content_hash", "created_by",
            "item_count", "created_at", "version",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_key(self, baseline: Baseline) -> str:
        return f"{self.context['project'].key}-{Baseline.KEY_PREFIX}{baseline.number}"


class BaselineItemSerializer(serializers.Serializer):
    hidden = serializers.BooleanField(help_text=texts.HIDDEN_REQUIREMENT_HELP)
    key = serializers.CharField(allow_null=True, help_text=texts.REQUIREMENT_KEY_HELP)
    number = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    content_hash = serializers.CharField()


class BaselineDetailSerializer(BaselineSerializer):
    items = serializers.SerializerMethodField()

    class Meta(BaselineSerializer.Meta):
        fields = [*BaselineSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(BaselineItemSerializer(many=True))
    def get_items(self, baseline: Baseline) -> list[dict[str, Any]]:
        project, user = self.context["project"], self.context["request"].user
        rows = []
        for item in getattr(baseline, "item_list", []):
            # The title as the baseline froze it; a requirement the reader may no longer see
            # is counted and hashed, not named (its rows go last, not in number order).
            shown = visible_reference(user, item.requirement, project)
            rows.append(
                {
                    "hidden": shown is None,
                    "key": shown and requirement_key(project.key, shown.number),
                    "number": shown and shown.number,
                    "title": (item.version.content or {}).get("title", "") if shown else "",
                    "version": item.version.number,
                    "content_hash": item.version.content_hash,
                }
            )
        return sorted(rows, key=lambda row: row["hidden"])


class BaselineInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class CompareSideSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    content_hash = serializers.CharField(allow_null=True)


class CompareEntrySerializer(serializers.Serializer):
    hidden = serializers.BooleanField(help_text=texts.HIDDEN_REQUIREMENT_HELP)
    key = serializers.CharField(allow_null=True, help_text=texts.REQUIREMENT_KEY_HELP)
    number = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(allow_blank=True)
    from_version = serializers.IntegerField(allow_null=True)
    to_version = serializers.IntegerField(allow_null=True)


class BaselineCompareSerializer(serializers.Serializer):
    from_baseline = CompareSideSerializer()
    to_baseline = CompareSideSerializer()
    added = CompareEntrySerializer(many=True)
    removed = CompareEntrySerializer(many=True)
    changed = CompareEntrySerializer(many=True)
    unchanged = serializers.IntegerField()


# Discussion and links ------------------------------------------------------------------------


class CommentSerializer(ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    body_html = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "body_html", "visibility", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, comment: Comment) -> str:
        return str(render_markdown(comment.body))


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, help_text=texts.COMMENT_VISIBILITY_HELP
    )


class LinkedRequirementSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=[("out", "out"), ("in", "in")], help_text=texts.DIRECTION_HELP
    )
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    source = LinkedRequirementSerializer()
    target = LinkedRequirementSerializer()
    created_at = serializers.DateTimeField()


class LinkInputSerializer(serializers.Serializer):
    target = IntegerField(min_value=1, help_text=texts.LINK_TARGET_HELP)
    kind = serializers.ChoiceField(choices=LinkKind.choices)
