"""Backup and restore: a round trip into a fresh data folder, and the refusals."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
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
