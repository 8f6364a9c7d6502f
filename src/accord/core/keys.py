"""Per-project numbering: ACME-R12, ACME-M2 … unique even under concurrent creation."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from accord.core.models import KeyedItem, ProjectCounter


def next_number(*, project: Any, kind: str) -> int:
    """Reserve the next number of `kind` in `project`, inside the caller's transaction.

    The UPDATE takes the counter's row lock (PostgreSQL) or the database write lock (SQLite,
    immediate transactions) until commit, so two creators never get the same number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside a transaction")
    counters = ProjectCounter.objects.filter(project=project, kind=kind)
    if not counters.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                ProjectCounter.objects.create(project=project, kind=kind, value=1)
            return 1
        except IntegrityError:
            # Another transaction created the counter first; increment theirs.
            counters.update(value=F("value") + 1)
    return counters.values_list("value", flat=True).get()


def assign_number(item: KeyedItem) -> None:
    """Give a new keyed item its number before its first save."""
    if not item.number:
        item.number = next_number(project=item.project, kind=item.KEY_PREFIX)
