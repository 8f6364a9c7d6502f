"""Backup and restore: a round trip into a fresh data folder, and the refusals."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import shutil
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accord.core.backup import BackupError, backup_create, backup_restore, read_manifest, sha256_of
from accord.core.demo import demo_load
from accord.core.models import AuditEvent
from accord.core.tests.processes import accord, start

STATE_SCRIPT = """
import json
from accord.accounts.models import User
from accord.core.backup import row_counts
pm = User.objects.get(email="pm@demo.accord")
print(json.dumps({"counts": row_counts(), "pm_login": pm.check_password("accord-demo")}))
"""


def state_of(data_dir: Path) -> dict:
    """Row counts of the data folder's database, and whether the demo PM can sign in."""
    output = accord(data_dir, "shell", "-v", "0", "-c", STATE_SCRIPT).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    """A data folder holding the demo workspace and one uploaded file; tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "data"
    accord(path, "migrate", "--noinput", "-v0")
    accord(path, "demo")
    (path / "files" / "documents").mkdir(parents=True)
    (path / "files" / "documents" / "需求说明.txt").write_text("客户确认版 v3\n")
    return path


@pytest.fixture
def source(demo_folder, tmp_path) -> Path:
    path = tmp_path / "source"
    shutil.copytree(demo_folder, path)
    return path


def test_round_trip_into_a_fresh_data_folder(source, tmp_path) -> None:
    target = tmp_path / "target"
    archive = tmp_path / "accord.tar.gz"

    made = accord(source, "backup", "--output", str(archive))
    restored = accord(target, "restore", str(archive))
    verified = accord(target, "verify")

    assert "Backup written to" in made.stdout
    assert "audit chains verified" in restored.stdout
    assert "OK      audit" in verified.stdout
    before, after = state_of(source), state_of(target)
    assert after["counts"] == before["counts"]
    assert after["counts"]["core.auditevent"] > 30
    assert after["counts"]["projects.project"] == 2
    # The demo logins work in the restored copy.
    assert after["pm_login"] is True
    restored_file = target / "files" / "documents" / "需求说明.txt"
    assert restored_file.read_text() == "客户确认版 v3\n"


WRITER_SCRIPT = """
from accord.accounts.models import User
from accord.projects import services
from accord.projects.models import Project
pm = User.objects.get(email="pm@demo.accord")
project = Project.objects.get(key="ACME")
print("writing", flush=True)
for n in range(150):
    services.milestone_create(actor=pm, project=project, name=f"Sprint {n}", due_date="2027-01-01")
print("done", flush=True)
"""


def test_backup_while_another_process_writes_is_a_consistent_snapshot(source, tmp_path) -> None:
    target = tmp_path / "target"
    archive = tmp_path / "accord.tar.gz"
    writer = start(source, "shell", "-v", "0", "-c", WRITER_SCRIPT)
    try:
        assert writer.stdout.readline().strip() == "writing"
        accord(source, "backup", "--output", str(archive))
        out, err = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()

    # The writer was never blocked into failing, and the snapshot restores with counts that
    # match its manifest and with intact audit chains (restore checks both, or fails).
    assert writer.returncode == 0, err
    assert "done" in out
    accord(target, "restore", str(archive))
    restored = state_of(target)["counts"]["projects.milestone"]
    assert 9 <= restored <= 9 + 150


def test_restore_refuses_a_data_folder_in_use(source, tmp_path) -> None:
    archive = tmp_path / "accord.tar.gz"
    accord(source, "backup", "--output", str(archive))

    result = accord(source, "restore", str(archive), check=False)

    assert result.returncode == 1
    assert "Refusing to restore: the database is not empty" in result.stderr
    assert "accounts.user (10)" in result.stderr


@pytest.mark.django_db(transaction=True)
class TestInProcess:
    def test_manifest_lists_counts_and_checksums(self, tmp_path, settings) -> None:
        settings.MEDIA_ROOT = tmp_path / "files"
        (tmp_path / "files").mkdir()
        (tmp_path / "files" / "a.txt").write_bytes(b"alpha")
        demo_load()
        archive = tmp_path / "b.tar.gz"

        manifest = backup_create(output=archive)

        assert manifest == read_manifest(archive)
        assert manifest["format_version"] == 1
        assert manifest["counts"]["core.auditevent"] == AuditEvent.objects.count()
        assert manifest["members"]["files/a.txt"]["sha256"] == sha256_of(tmp_path / "files/a.txt")
        with tarfile.open(archive) as tar:
            data = tar.extractfile("data.json").read()
            names = tar.getnames()
        assert sorted(names) == ["data.json", "files/a.txt", "manifest.json"]
        rows = json.loads(data)
        event = next(r for r in rows if r["model"] == "core.auditevent")
        stored = AuditEvent.objects.get(pk=event["pk"]).created_at
        # Times keep their microseconds: audit hashes cover them.
        assert event["fields"]["created_at"].startswith(stored.isoformat()[:26])

    def test_restore_refuses_a_database_in_use(self, tmp_path) -> None:
        demo_load()
        archive = tmp_path / "b.tar.gz"
        backup_create(output=archive)

        with pytest.raises(BackupError, match="the database is not empty"):
            backup_restore(archive_path=archive)

    def test_restore_refuses_a_files_folder_in_use(self, tmp_path, settings) -> None:
        archive = tmp_path / "b.tar.gz"
        backup_create(output=archive)
        settings.MEDIA_ROOT = tmp_path / "files"
        (tmp_path / "files").mkdir()
        (tmp_path / "files" / "old.txt").write_text("x")

        with pytest.raises(BackupError, match=r"files folder .* is not empty"):
            backup_restore(archive_path=archive)

    def test_restore_refuses_a_damaged_archive(self, tmp_path) -> None:
        archive = tmp_path / "b.tar.gz"
        backup_create(output=archive)
        damaged = tmp_path / "damaged.tar.gz"
        with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
            for member in source.getmembers():
                content = source.extractfile(member).read()
                if member.name == "data.json":
                    content = content.replace(b"[", b"[ ", 1)
                member.size = len(content)
                target.addfile(member, io.BytesIO(content))

        with pytest.raises(BackupError, match=r"data\.json does not match its checksum"):
            backup_restore(archive_path=damaged)

    def test_restore_rejects_a_file_that_is_not_a_backup(self, tmp_path) -> None:
        other = tmp_path / "other.tar.gz"
        with tarfile.open(other, "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))

        with pytest.raises(BackupError, match="not an Accord backup"):
            backup_restore(archive_path=other)

    def test_backup_command_refuses_to_overwrite(self, tmp_path) -> None:
        from django.core.management.base import CommandError

        archive = tmp_path / "b.tar.gz"
        archive.write_text("keep me")

        with pytest.raises(CommandError, match="exists already"):
            call_command("backup", "--output", str(archive))
        assert archive.read_text() == "keep me"


# A failed restore leaves nothing behind --------------------------------------------------------

EMPTINESS_SCRIPT = """
import json
from pathlib import Path
from django.conf import settings
from accord.core.backup import database_in_use
media = Path(settings.MEDIA_ROOT)
files = sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []
print(json.dumps({"rows": database_in_use(), "files": files}))
"""

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def retamper(archive: Path, output: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of `archive` whose members pass through `change`, with the manifest's checksums
    made to match again: only the restore's final checks can tell."""
    with tarfile.open(archive) as tar:
        contents = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    manifest = json.loads(contents.pop("manifest.json"))
    for name in contents:
        contents[name] = change(name, contents[name])
        manifest["members"][name]["sha256"] = hashlib.sha256(contents[name]).hexdigest()
        manifest["members"][name]["size"] = len(contents[name])
    contents["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(output, "w:gz") as tar:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return output


def forge_an_audit_record(name: str, content: bytes) -> bytes:
    if name != "data.json":
        return content
    rows = json.loads(content)
    event = next(r for r in rows if r["model"] == "core.auditevent")
    event["fields"]["target_label"] = "forged"
    return json.dumps(rows).encode()


@pytest.fixture(params=["sqlite", "postgresql"])
def restore_env(request) -> Iterator[dict[str, str]]:
    """Where a restore goes: the target folder's SQLite database, or a new PostgreSQL one."""
    if request.param == "sqlite":
        yield {}
        return
    if not POSTGRES:
        pytest.skip("needs PostgreSQL: runs when DATABASE_URL points at one")
    import psycopg

    config = settings.DATABASES["default"]
    name = f"accord_restore_{uuid.uuid4().hex[:12]}"
    server = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"],
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{server['password']}" if server["password"] else ""
        yield {
            "DATABASE_URL": (
                f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
            )
        }
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restore_failing_its_final_check_leaves_nothing_and_a_retry_succeeds(
    source, tmp_path, restore_env
) -> None:
    target = tmp_path / "target"
    archive = tmp_path / "accord.tar.gz"
    accord(source, "backup", "--output", str(archive))
    forged = retamper(archive, tmp_path / "forged.tar.gz", forge_an_audit_record)

    failed = accord(target, "restore", str(forged), check=False, **restore_env)

    assert failed.returncode == 1
    assert "does not verify" in failed.stderr
    assert "Traceback" not in failed.stderr
    shell = accord(target, "shell", "-v", "0", "-c", EMPTINESS_SCRIPT, **restore_env)
    left = json.loads(shell.stdout.strip().splitlines()[-1])
    assert left == {"rows": {}, "files": []}
    assert not [p for p in target.iterdir() if p.name.startswith(".accord-restore")]
    retried = accord(target, "restore", str(archive), **restore_env)
    assert "audit chains verified" in retried.stdout
    assert "OK      audit" in accord(target, "verify", **restore_env).stdout
    restored_file = target / "files" / "documents" / "需求说明.txt"
    assert restored_file.read_text() == "客户确认版 v3\n"


# Damaged archives and full disks ----------------------------------------------------------------


def test_a_truncated_archive_is_reported_as_damaged_without_a_traceback(source, tmp_path) -> None:
    archive = tmp_path / "accord.tar.gz"
    accord(source, "backup", "--output", str(archive))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    result = accord(tmp_path / "target", "restore", str(truncated), check=False)

    assert result.returncode == 1
    assert "damaged archive" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db(transaction=True)
class TestDamageAndFullDisk:
    @pytest.fixture
    def archive(self, tmp_path, settings) -> Path:
        settings.MEDIA_ROOT = tmp_path / "source-files"
        (tmp_path / "source-files").mkdir()
        (tmp_path / "source-files" / "a.txt").write_bytes(b"alpha" * 1000)
        demo_load()
        archive = tmp_path / "b.tar.gz"
        backup_create(output=archive)
        call_command("flush", interactive=False, verbosity=0)
        settings.MEDIA_ROOT = tmp_path / "files"
        return archive

    def test_a_corrupt_archive_names_the_damaged_part(self, archive, tmp_path) -> None:
        data = bytearray(archive.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(64)
        corrupt = tmp_path / "corrupt.tar.gz"
        corrupt.write_bytes(bytes(data))

        with pytest.raises(BackupError, match=r"damaged archive.*(data\.json|files/a\.txt)"):
            backup_restore(archive_path=corrupt)
        assert not (tmp_path / "files").exists() or not any((tmp_path / "files").iterdir())

    def test_an_unreadable_manifest_is_a_damaged_archive(self, archive, tmp_path) -> None:
        damaged = retamper(archive, tmp_path / "damaged.tar.gz", lambda name, content: content)
        with tarfile.open(damaged) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        with tarfile.open(damaged, "w:gz") as tar:
            for name, content in members.items():
                content = content[:20] if name == "manifest.json" else content
                info = tarfile.TarInfo(name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))

        with pytest.raises(BackupError, match=r"damaged archive.*manifest\.json"):
            backup_restore(archive_path=damaged)

    def test_the_restore_command_reports_damage_as_an_error(self, archive, tmp_path) -> None:
        from django.core.management.base import CommandError

        truncated = tmp_path / "truncated.tar.gz"
        truncated.write_bytes(archive.read_bytes()[:200])

        with pytest.raises(CommandError, match="damaged archive"):
            call_command("restore", str(truncated))

    def test_a_backup_without_room_is_refused_before_writing(self, tmp_path, monkeypatch) -> None:
        demo_load()
        target = tmp_path / "backups"
        target.mkdir()
        monkeypatch.setattr(
            "accord.core.backup.shutil.disk_usage",
            lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000),
        )

        with pytest.raises(BackupError, match="Not enough free space"):
            backup_create(output=target / "b.tar.gz")
        assert list(target.iterdir()) == []

    def test_a_disk_filling_up_while_writing_leaves_no_file(self, tmp_path, monkeypatch) -> None:
        demo_load()
        target = tmp_path / "backups"
        target.mkdir()

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(tarfile.TarFile, "addfile", full)

        with pytest.raises(BackupError, match="ran out of space"):
            backup_create(output=target / "b.tar.gz")
        assert list(target.iterdir()) == []

    def test_the_backup_command_reports_a_full_disk_as_an_error(
        self, tmp_path, monkeypatch
    ) -> None:
        from django.core.management.base import CommandError

        monkeypatch.setattr(
            "accord.core.backup.shutil.disk_usage",
            lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0),
        )

        with pytest.raises(CommandError, match="Not enough free space"):
            call_command("backup", "--output", str(tmp_path / "b.tar.gz"))
        assert not (tmp_path / "b.tar.gz").exists()

    def test_sign_offs_restored_from_before_sealing_are_sealed(self, archive, tmp_path) -> None:
        def unsealed(name: str, content: bytes) -> bytes:
            if name != "data.json":
                return content
            rows = json.loads(content)
            for row in rows:
                row["fields"].pop("signature", None)
            return json.dumps(rows).encode()

        old = retamper(archive, tmp_path / "old.tar.gz", unsealed)

        backup_restore(archive_path=old)

        out = io.StringIO()
        call_command("verify", stdout=out)
        assert "OK      signoffs" in out.getvalue()
