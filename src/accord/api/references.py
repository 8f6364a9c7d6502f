"""References from one item to another, as the reader may see them.

An answer that names another item (a requirement's parent, a problem's risk, a task's
milestone …) names it only when the reader may see that item, by the same policy that decides
whether the item itself answers 404 (`accord.projects.policies.can_view_item`). Otherwise the
reference reads as no reference at all, and a filter given a hidden item finds what it finds for
an unknown one: hidden and unknown items are indistinguishable, in content and in counts.

`ReferenceKeyField` renders a related keyed item's key for the serializers; `visible_reference`
is the same rule for answers built by hand; `VisibleReferenceFilter` is the filter.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accord.core import integers
from accord.projects import policies


def visible_reference(user: Any, item: Any, project: Any = None) -> Any:
    """`item` when `user` may see it, else None. `project` is the reader's project when the
    caller has it: an item of that project then needs no query for its own."""
    if item is None:
        return None
    if project is not None and item.project_id == project.pk:
        item.project = project
    return item if policies.can_view_item(user, item) else None


def _reader(context: dict[str, Any]) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        # A serializer without a request has no reader to show hidden items to.
        raise RuntimeError("A reference needs the request in the serializer's context.")
    return user


@extend_schema_field(serializers.CharField(allow_null=True))
class ReferenceKeyField(serializers.Field):
    """The key of the related item named by `source` (e.g. "ACME-R12"), or null when there is
    none or the reader may not see it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, item: Any) -> str | None:
        found = visible_reference(_reader(self.context), item, self.context.get("project"))
        return None if found is None else found.key


class VisibleReferenceFilter(integers.NumberFilter):
    """Items whose `field_name` relation names the item of `model` with this number (or id,
    `by="pk"`) among those the request's user may see; a hidden number finds what an unknown
    one finds."""

    def __init__(self, *args: Any, model: type, by: str = "number", **kwargs: Any) -> None:
        self.model, self.by = model, by
        super().__init__(*args, **kwargs)

    def filter(self, queryset: QuerySet, value: Any) -> QuerySet:
        if value in django_filters.constants.EMPTY_VALUES:
            return queryset
        user = getattr(self.parent.request, "user", None)
        if user is None:
            return queryset.none()
        visible = self.model.objects.visible_to(user).filter(**{self.by: value})
        return queryset.filter(**{f"{self.field_name}__in": visible.values("pk")})
