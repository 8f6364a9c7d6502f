"""Backup and restore: one .tar.gz holding a consistent snapshot of the database and the files.

The archive is independent of the database engine, so a backup of SQLite restores into
PostgreSQL and back:

    manifest.json   format version, time, Accord version, row counts, SHA-256 of every member
    data.json       every row of every app (Django's dumpdata), read in one snapshot transaction
    files/…         the uploaded files folder (MEDIA_ROOT)

Primary keys are kept as they are (no natural keys): audit records hash the ids of the rows
they point at, so the restored chain verifies only with the same ids.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from accord.core.serialization import FORMAT_NAME

FORMAT = "accord-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES = "files"
# Rows that `migrate` creates by itself; their presence does not make a database "in use".
SCAFFOLDING = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """A backup could not be written or restored; the message says why and what to do."""


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    counts: dict[str, int]
    files: int


def accord_version() -> str:
    try:
        return version("accord")
    except PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_counts(database: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per model (`app_label.model`) for every model with a table in the database."""
    connection = connections[database]
    tables = set(connection.introspection.table_names())
    counts = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.db_table not in tables:
            continue
        counts[model._meta.label_lower] = model._base_manager.using(database).count()
    return counts


@contextlib.contextmanager
def snapshot_transaction(database: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Every query inside sees the database as it was at one instant, while others write.

    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite in WAL mode: a deferred read
    transaction, which does not block the server's writers (Django's own transactions here are
    IMMEDIATE, which would).
    """
    connection = connections[database]
    if connection.vendor == "postgresql":
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic(using=database):
        yield


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "backups" / f"accord-{stamp}.tar.gz"


def backup_create(*, output: Path, database: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write a backup archive to `output` and return its manifest.

    The database is read in one snapshot transaction, then the files folder is copied; files
    are written before the rows that refer to them, so every file the snapshot names is there.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="accord-backup-") as tmp:
        data_path = Path(tmp) / DATA
        if FORMAT_NAME not in serializers.get_serializer_formats():
            serializers.register_serializer(FORMAT_NAME, "accord.core.serialization")
        with snapshot_transaction(database):
            counts = row_counts(database)
            call_command(
                "dumpdata",
                all=True,
                format=FORMAT_NAME,
                database=database,
                output=str(data_path),
                verbosity=0,
            )
        members = {DATA: {"sha256": sha256_of(data_path), "size": data_path.stat().st_size}}
        media_root = Path(settings.MEDIA_ROOT)
        files = _media_files()
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(data_path, arcname=DATA)
            for path in files:
                name = str(PurePosixPath(FILES, *path.relative_to(media_root).parts))
                members[name] = {"sha256": sha256_of(path), "size": path.stat().st_size}
                archive.add(path, arcname=name)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": timezone.now().isoformat(),
                "accord_version": accord_version(),
                "database_vendor": connections[database].vendor,
                "counts": counts,
                "members": members,
            }
            blob = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(blob)
            info.mtime = int(dt.datetime.now(tz=dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(blob))
        partial.replace(output)
    return manifest


def read_manifest(archive_path: Path) -> dict[str, Any]:
    with tarfile.open(archive_path, "r:gz") as archive:
        try:
            handle = archive.extractfile(MANIFEST)
        except KeyError as exc:
            raise BackupError(f"{archive_path} is not an Accord backup (no {MANIFEST}).") from exc
        if handle is None:
            raise BackupError(f"{archive_path}: {MANIFEST} is not a file.")
        manifest = json.loads(handle.read().decode())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not an Accord backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive_path} has backup format {manifest.get('format_version')}; this version "
            f"of Accord reads format {FORMAT_VERSION}."
        )
    return manifest


def database_in_use(database: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Models that hold rows, other than what `migrate` creates by itself."""
    return {
        label: count
        for label, count in row_counts(database).items()
        if count and label not in SCAFFOLDING
    }


def _check_restore_target(database: str) -> None:
    used = database_in_use(database)
    if used:
        sample = ", ".join(f"{label} ({count})" for label, count in sorted(used.items())[:5])
        raise BackupError(
            "Refusing to restore: the database is not empty "
            f"({sample}). Restore into a new, empty database: point ACCORD_DATA_DIR at an "
            "empty folder (or DATABASE_URL at an empty database) and run `accord restore` again."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"Refusing to restore: the files folder {media_root} is not empty. "
            "Restore into an empty data folder."
        )


def _extract_verified(archive_path: Path, manifest: dict[str, Any], target: Path) -> None:
    """Unpack the members listed in the manifest and check each one's SHA-256."""
    members = manifest.get("members", {})
    with tarfile.open(archive_path, "r:gz") as archive:
        for info in archive.getmembers():
            if info.name == MANIFEST:
                continue
            if info.name not in members or not info.isfile():
                raise BackupError(f"Unexpected member in the backup: {info.name}")
        archive.extractall(target, members=[m for m in archive.getmembers()], filter="data")
    for name, meta in members.items():
        path = target / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if sha256_of(path) != meta["sha256"]:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")


def backup_restore(*, archive_path: Path, database: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restore a backup into an empty database and files folder, then check what was restored.

    Order: verify the archive's checksums, migrate, load every row in one transaction, copy the
    files, compare the row counts with the manifest and verify the audit chains.
    """
    from accord.core.audit import verify_audit_chains

    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"No such backup file: {archive_path}")
    manifest = read_manifest(archive_path)
    _check_restore_target(database)
    with tempfile.TemporaryDirectory(prefix="accord-restore-") as tmp:
        unpacked = Path(tmp)
        _extract_verified(archive_path, manifest, unpacked)
        call_command("migrate", database=database, interactive=False, verbosity=0)
        _check_restore_target(database)
        with transaction.atomic(using=database):
            # migrate created its own content types and permissions with ids of its own; the
            # backup's ids are the ones its rows (and audit hashes) refer to.
            Permission.objects.using(database).all().delete()
            ContentType.objects.using(database).all().delete()
            call_command("loaddata", str(unpacked / DATA), database=database, verbosity=0)
        ContentType.objects.clear_cache()
        media_root = Path(settings.MEDIA_ROOT)
        copied = 0
        source_root = unpacked / FILES
        if source_root.is_dir():
            for source in sorted(p for p in source_root.rglob("*") if p.is_file()):
                destination = media_root / source.relative_to(source_root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
                copied += 1
    for name, meta in manifest["members"].items():
        if name.startswith(FILES + "/"):
            restored = media_root / PurePosixPath(name).relative_to(FILES)
            if sha256_of(restored) != meta["sha256"]:
                raise BackupError(f"{restored} does not match its checksum after copying.")
    counts = row_counts(database)
    expected = manifest.get("counts", {})
    different = {
        label: (count, counts.get(label, 0))
        for label, count in expected.items()
        if counts.get(label, 0) != count
    }
    if different:
        detail = ", ".join(f"{k}: {a} in backup, {b} restored" for k, (a, b) in different.items())
        raise BackupError(f"Restored row counts differ from the backup: {detail}")
    problems = [str(problem) for problem in verify_audit_chains()]
    if problems:
        raise BackupError("The restored audit trail does not verify: " + "; ".join(problems))
    return RestoreResult(manifest=manifest, counts=counts, files=copied)
