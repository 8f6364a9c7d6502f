"""Per-project numbering: ACME-R12, ACME-M2 … unique even under concurrent creation."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

from accord.core.models import KeyedItem, ProjectCounter


def next_number(*, project: Any, kind: str) -> int:
    """Reserve the next number of `kind` in `project`, inside the caller's transaction.

    The UPDATE takes the counter's row lock (PostgreSQL) or the database write lock (SQLite,
    immediate transactions) until commit, so two creators never get the same number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside a transaction")
    project_id = getattr(project, "pk", project)
    value = _increment(project_id, kind)
    if value is not None:
        return value
    try:
        with transaction.atomic():
            ProjectCounter.objects.create(project_id=project_id, kind=kind, value=1)
        return 1
    except IntegrityError:
        # Another transaction created the counter first; increment theirs.
        return _increment(project_id, kind)


def _increment(project_id: int, kind: str) -> int | None:
    """Add one to the counter and read it back in one statement (UPDATE … RETURNING, which
    PostgreSQL and SQLite 3.35+ both have); None when the counter does not exist yet."""
    table = connection.ops.quote_name(ProjectCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 "  # noqa: S608 (no user input in the name)
            "WHERE project_id = %s AND kind = %s RETURNING value",
            [project_id, kind],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def assign_number(item: KeyedItem) -> None:
    """Give a new keyed item its number before its first save."""
    if not item.number:
        item.number = next_number(project=item.project, kind=item.KEY_PREFIX)
