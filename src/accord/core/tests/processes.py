"""Run `accord` commands in child processes against their own data folder, as an operator would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCORD = [sys.executable, "-m", "accord.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def accord_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production install whose data folder is `data_dir` (SQLite)."""
    # Without the test-run markers (settings treat a pytest session as a test run).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ACCORD_TESTING", "DATABASE_URL", "ACCORD_DEBUG"}
        and not k.startswith("PYTEST_")
    }
    env["ACCORD_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def accord(data_dir: Path, *args: str, check: bool = True, timeout: int = 180, **extra: str):
    """Run one `accord` command to completion and return the CompletedProcess."""
    result = subprocess.run(
        [*ACCORD, *args],
        env=accord_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"accord {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def start(data_dir: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ACCORD, *args],
        env=accord_env(data_dir, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_http(url: str, process: subprocess.Popen, seconds: float = 30) -> tuple[int, str]:
    """Poll `url` until the server answers; fail early if the server process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"server exited {process.returncode}:\n{out}\n{err}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local URL)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> tuple[int, str, str]:
    """SIGTERM the process and wait for it; returns (exit code, stdout, stderr)."""
    process.terminate()
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err
