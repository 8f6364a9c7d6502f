"""Settings come from the environment; production settings pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ACCORD = str(Path(sys.executable).parent / "accord")


def run_accord(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    prefixes = ("ACCORD_", "DATABASE_", "DJANGO_", "PYTEST_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return subprocess.run(
        [ACCORD, *args],
        env={**base, "ACCORD_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = run_accord(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        ACCORD_SECRET_KEY="x" * 20 + "a-long-and-random-production-secret-key-value",
        ACCORD_ALLOWED_HOSTS="accord.example.com",
        ACCORD_BASE_URL="https://accord.example.com",
        ACCORD_SECURE="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_dev_secret_is_generated_once_into_the_data_folder(tmp_path: Path) -> None:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_accord(tmp_path, "shell", "--no-imports", "-c", code)
    second = run_accord(tmp_path, "shell", "--no-imports", "-c", code)
    assert first.returncode == 0, first.stderr
    secret_file = tmp_path / "secret_key"
    assert secret_file.read_text().strip() == first.stdout.strip() == second.stdout.strip()
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"


def test_sqlite_is_tuned_for_a_web_server(tmp_path: Path) -> None:
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], "
        "c.execute('PRAGMA busy_timeout').fetchone()[0], "
        "c.execute('PRAGMA foreign_keys').fetchone()[0])"
    )
    result = run_accord(tmp_path, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "1"]
