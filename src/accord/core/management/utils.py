"""Helpers shared by the operational commands (serve, worker, backup, restore)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names of the migrations not yet applied to the database, as `app.name`."""
    connection = connections[database]
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(targets)]


def require_migrated(database: str = DEFAULT_DB_ALIAS) -> None:
    """Stop with a clear message when the database schema is missing or out of date."""
    pending = pending_migrations(database)
    if pending:
        raise CommandError(
            f"The database is not up to date: {len(pending)} migration(s) are not applied "
            f"(first: {pending[0]}).\nRun `accord migrate` first, then try again."
        )
