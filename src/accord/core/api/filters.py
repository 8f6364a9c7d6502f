from __future__ import annotations

import django_filters

from accord.api import texts
from accord.core import integers, parameters
from accord.core.models import AuditEvent


class AuditRecordFilter(django_filters.FilterSet):
    # The actor is matched by id, not through a user lookup, so a filter value cannot tell
    # whether some user outside the project exists.
    action = django_filters.CharFilter(label=texts.ACTION)
    actor = integers.NumberFilter(field_name="actor_id", label=texts.ACTOR_ID)
    since = parameters.DateTimeFilter(field_name="created_at", lookup_expr="gte", label=texts.SINCE)
    until = parameters.DateTimeFilter(field_name="created_at", lookup_expr="lt", label=texts.UNTIL)

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "since", "until"]
