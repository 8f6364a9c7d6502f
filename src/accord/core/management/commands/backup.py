"""`accord backup`: a consistent snapshot of the database and files, taken while serving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.core.backup import BackupError, backup_create, default_backup_path
from accord.core.management.utils import require_migrated


class Command(BaseCommand):
    help = (
        "Write a backup archive (.tar.gz) of the database and the files folder. It is safe "
        "to run while the server and workers run. Restore it with `accord restore FILE`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="Archive to write (default: <data folder>/backups/accord-<time>.tar.gz).",
        )

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        require_migrated()
        output = (output or default_backup_path()).resolve()
        if output.exists():
            raise CommandError(f"{output} exists already; choose another --output.")
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["counts"]
        files = sum(1 for name in manifest["members"] if name.startswith("files/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output}: {sum(counts.values())} rows in "
                f"{sum(1 for c in counts.values() if c)} tables, {files} files."
            )
        )
