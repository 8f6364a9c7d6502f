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
import errno
import gzip
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import zlib
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


def database_size(database: str = DEFAULT_DB_ALIAS) -> int:
    """Bytes the database takes on disk: what its dump will roughly take too."""
    connection = connections[database]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    if connection.vendor == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        return sum(p.stat().st_size for p in (name, Path(f"{name}-wal")) if p.is_file())
    return 0


def _require_free_space(folder: Path, needed: int) -> None:
    # A tenth more than the estimate: the archive's own headers, and room for the server.
    needed = int(needed * 1.1) + (1 << 20)
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise BackupError(
            f"Not enough free space in {folder}: the backup needs about "
            f"{needed / 1e6:,.1f} MB, {free / 1e6:,.1f} MB are free. Free some space or write "
            "the backup elsewhere with --output."
        )


def backup_create(*, output: Path, database: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write a backup archive to `output` and return its manifest.

    The database is read in one snapshot transaction, then the files folder is copied; files
    are written before the rows that refer to them, so every file the snapshot names is there.
    Free space is checked before each large write; everything is written beside `output`
    (a hidden work folder and `<output>.partial`) and renamed at the end, and removed on any
    failure, so a full disk leaves no partial archive behind.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    # The dump and then the archive (at most the dump and the files, before compression).
    files_size = sum(path.stat().st_size for path in _media_files())
    _require_free_space(output.parent, 2 * database_size(database) + files_size)
    try:
        with tempfile.TemporaryDirectory(prefix=".accord-backup-", dir=output.parent) as tmp:
            data_path = Path(tmp) / DATA
            manifest = _write_archive(data_path, partial, database)
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise BackupError(
                f"The disk ran out of space while writing the backup to {output.parent}; "
                "nothing was kept. Free some space or write the backup elsewhere with --output."
            ) from exc
        raise BackupError(f"The backup could not be written to {output}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_archive(data_path: Path, partial: Path, database: str) -> dict[str, Any]:
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
    # Listed after the snapshot: a file is stored before the row naming it, so every file the
    # snapshot's rows name is there.
    files = _media_files()
    data_size = data_path.stat().st_size
    _require_free_space(partial.parent, data_size + sum(path.stat().st_size for path in files))
    members = {DATA: {"sha256": sha256_of(data_path), "size": data_size}}
    media_root = Path(settings.MEDIA_ROOT)
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
    return manifest


# What a truncated or corrupt archive raises somewhere inside tarfile, gzip, zlib or json.
DAMAGE = (
    tarfile.TarError,
    EOFError,
    zlib.error,
    gzip.BadGzipFile,
    json.JSONDecodeError,
    UnicodeDecodeError,
)


def _damaged(archive_path: Path, part: str, exc: BaseException) -> BackupError:
    return BackupError(
        f"{archive_path} is a damaged archive: {part} cannot be read ({exc or type(exc).__name__})."
        " Use another copy of the backup."
    )


def _members(archive: tarfile.TarFile, archive_path: Path) -> Iterator[tarfile.TarInfo]:
    """The archive's members in order; a damaged stream names where it broke."""
    last = None
    while True:
        try:
            info = archive.next()
        except DAMAGE as exc:
            part = f"the part after {last.name}" if last else "its beginning"
            raise _damaged(archive_path, part, exc) from exc
        if info is None:
            break
        last = info
        yield info
    # tarfile takes an unreadable header for the end of the archive; reading the rest of the
    # stream through its checksum tells a real end from corruption.
    part = f"the part after {last.name}" if last else "its beginning"
    junk = False
    try:
        for block in iter(lambda: archive.fileobj.read(1 << 20), b""):
            junk = junk or bool(block.strip(b"\0"))
    except DAMAGE as exc:
        raise _damaged(archive_path, part, exc) from exc
    if junk:
        raise _damaged(archive_path, part, ValueError("data after an unreadable header"))


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """The archive's manifest; reading it also reads the archive through once (the manifest
    is its last member), so a truncated or corrupt archive is reported before anything is
    changed."""
    manifest = None
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for info in _members(archive, archive_path):
                if info.name != MANIFEST:
                    continue
                handle = archive.extractfile(info)
                if handle is None:
                    raise BackupError(f"{archive_path}: {MANIFEST} is not a file.")
                try:
                    manifest = json.loads(handle.read().decode())
                except DAMAGE as exc:
                    raise _damaged(archive_path, MANIFEST, exc) from exc
    except DAMAGE as exc:  # opening it: not even a gzip stream
        raise _damaged(archive_path, "its beginning", exc) from exc
    if manifest is None:
        raise BackupError(f"{archive_path} is not an Accord backup (no {MANIFEST}).")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not an Accord backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive_path} has backup format {manifest.get('format_version')}; this version "
            f"of Accord reads format {FORMAT_VERSION}."
        )
    if not isinstance(manifest.get("members"), dict) or not isinstance(
        manifest.get("counts"), dict
    ):
        raise _damaged(archive_path, MANIFEST, ValueError("members or counts missing"))
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
    members = manifest["members"]
    with tarfile.open(archive_path, "r:gz") as archive:
        for info in _members(archive, archive_path):
            if info.name == MANIFEST:
                continue
            if info.name not in members or not info.isfile():
                raise BackupError(f"Unexpected member in the backup: {info.name}")
            try:
                archive.extract(info, target, filter="data")
            except DAMAGE as exc:
                raise _damaged(archive_path, info.name, exc) from exc
    for name, meta in members.items():
        path = target / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if sha256_of(path) != meta["sha256"]:
            raise BackupError(
                f"{archive_path} is a damaged archive: {name} does not match its checksum."
            )


@contextlib.contextmanager
def _schema_transaction(database: str) -> Iterator[None]:
    """One transaction for migrating and loading: on any failure the schema and rows roll back
    together (PostgreSQL and SQLite both roll back DDL). SQLite's schema editor needs foreign
    key checks off, which SQLite allows only outside a transaction; loaddata checks the keys
    itself before the end."""
    connection = connections[database]
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        connection.disable_constraint_checking()
    try:
        with transaction.atomic(using=database):
            yield
    finally:
        if sqlite:
            connection.enable_constraint_checking()
        # Content types cached inside a rolled back transaction name rows that do not exist.
        ContentType.objects.clear_cache()


def _verify_restored(database: str, manifest: dict[str, Any]) -> dict[str, int]:
    """Row counts equal to the manifest's and intact audit chains, or BackupError."""
    from accord.core.audit import verify_audit_chains

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
    return counts


def backup_restore(*, archive_path: Path, database: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restore a backup into an empty database and files folder, then check what was restored.

    All or nothing: the archive is read through and its checksums verified first; the files are
    unpacked into a hidden folder beside the files folder; migrating, loading every row and the
    final checks (row counts against the manifest, audit chains) run in one transaction, and
    the unpacked files are renamed into place only when all of them passed. On any failure the
    database is as empty as before and no file remains, so the restore can simply be retried.
    """
    from accord.core.signoffs import seal_unsealed

    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"No such backup file: {archive_path}")
    manifest = read_manifest(archive_path)
    _check_restore_target(database)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Beside the files folder, so the final rename stays on one file system.
    with tempfile.TemporaryDirectory(prefix=".accord-restore-", dir=media_root.parent) as tmp:
        unpacked = Path(tmp)
        _extract_verified(archive_path, manifest, unpacked)
        source_root = unpacked / FILES
        source_root.mkdir(exist_ok=True)
        files = sum(1 for p in source_root.rglob("*") if p.is_file())
        placed = False
        try:
            with _schema_transaction(database):
                call_command("migrate", database=database, interactive=False, verbosity=0)
                _check_restore_target(database)
                if connections[database].vendor == "postgresql":
                    # Some migrations make the foreign keys IMMEDIATE for the rest of the
                    # transaction; the rows come in any order and are checked at the end.
                    with connections[database].cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                # migrate created its own content types and permissions with ids of its own;
                # the backup's ids are the ones its rows (and audit hashes) refer to.
                Permission.objects.using(database).all().delete()
                ContentType.objects.using(database).all().delete()
                ContentType.objects.clear_cache()
                call_command("loaddata", str(unpacked / DATA), database=database, verbosity=0)
                # A backup from before sign-offs were sealed holds rows without a signature.
                seal_unsealed(database)
                counts = _verify_restored(database, manifest)
                if media_root.exists():
                    media_root.rmdir()  # checked empty above
                source_root.rename(media_root)
                placed = True
        except BaseException:
            # The rows rolled back; the files must not outlive them.
            if placed:
                shutil.rmtree(media_root, ignore_errors=True)
            raise
    return RestoreResult(manifest=manifest, counts=counts, files=files)
