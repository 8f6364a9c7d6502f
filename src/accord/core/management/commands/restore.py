"""`accord restore FILE`: restore a backup into an empty database and data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `accord backup` into an empty database and files folder "
        "(it refuses to overwrite data), checking checksums, row counts and audit chains. All "
        "or nothing: on any failure the database and files folder stay empty."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path, help="The backup archive (.tar.gz).")

    def handle(self, *args: Any, archive: Path, **options: Any) -> None:
        try:
            result = backup_restore(archive_path=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive} (made {manifest['created_at']} by Accord "
                f"{manifest['accord_version']}): {sum(result.counts.values())} rows, "
                f"{result.files} files. Checksums, row counts and audit chains verified."
            )
        )
