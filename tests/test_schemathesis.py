"""Schemathesis against the production server with the demo workspace: the API's schema holds.

`accord serve` runs on SQLite in a throw-away data folder with the demo workspace loaded;
Schemathesis generates requests for every operation of `/api/schema/` with every check on
(no server error, documented statuses, content types and headers, responses valid against the
schema, invalid data refused, valid data accepted, authentication not ignored, stateful links;
the boundary values of every parameter for reads, generated data for writes),
once as a client approver and once as the project manager, each derandomised (the same requests
in every run) with a fixed number of examples per operation. Writes go to the throw-away
database only.

The run is marked `schemathesis`: `make test` runs it once, on its own, after the SQLite suite.
Its full report is kept in test-output/schemathesis/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.schemathesis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_name("schemathesis.toml")
OUTPUT_DIR = ROOT / "test-output" / "schemathesis"
EXAMPLES = 6
# Wall-clock bound of the runs (they run at the same time); about a minute on two cores.
TIME_BOX = 180
# The demo's people whose tokens the runs use (a client with signing authority sees the most
# of what clients may do).
PERSONAS = {
    "client": "sarah.miller@acme-logistics.demo",
    "manager": "pm@demo.accord",
}
TOKENS_SCRIPT = """
from django.contrib.auth import get_user_model
from accord.accounts.services import api_token_create
for email in {emails!r}:
    user = get_user_model().objects.get(email=email)
    _token, plain = api_token_create(user=user, name="schemathesis")
    print("token", email, plain)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path) -> dict[str, str]:
    """The environment of a production server: none of the test run's settings, SQLite in
    its own data folder."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTEST_VERSION", "ACCORD_TESTING", "DATABASE_URL", "ACCORD_DEBUG"}
        and not name.startswith(("PYTEST_", "ACCORD_"))
    }
    env["ACCORD_DATA_DIR"] = str(data_dir)
    return env


def _accord(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "accord"), *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"accord {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A data folder with the demo workspace and collected static files; the tokens."""
    data_dir = tmp_path_factory.mktemp("schemathesis-demo")
    env = _server_env(data_dir)
    _accord(env, "migrate", "--noinput", "-v0")
    _accord(env, "collectstatic", "--noinput", "-v0")
    _accord(env, "demo")
    printed = _accord(env, "shell", "-c", TOKENS_SCRIPT.format(emails=list(PERSONAS.values())))
    by_email = {
        words[1]: words[2]
        for words in map(str.split, printed.splitlines())
        if len(words) == 3 and words[0] == "token"
    }
    return data_dir, {persona: by_email[email] for persona, email in PERSONAS.items()}


@pytest.fixture(scope="module")
def runs(
    demo_data: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """One Schemathesis run per persona, all at once, each against its own `accord serve` over
    its own copy of the demo (so one persona's writes never change what the other meets, and
    every run is the same from one time to the next)."""
    source, tokens = demo_data
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    servers, started = [], {}
    try:
        for persona in PERSONAS:
            data_dir = tmp_path_factory.mktemp(f"schemathesis-{persona}")
            shutil.copytree(source, data_dir, dirs_exist_ok=True)
            url = f"http://127.0.0.1:{_free_port()}"
            servers.append(_serve(data_dir, url))
            _wait_until_up(f"{url}/api/schema/", servers[-1])
            # The report goes straight to a file: a full pipe would stall the run.
            with (OUTPUT_DIR / f"{persona}.txt").open("w") as report:
                started[persona] = subprocess.Popen(
                    _schemathesis(url, persona, tokens[persona]),
                    env={**os.environ, "COLUMNS": "120"},
                    cwd=OUTPUT_DIR,
                    stdout=report,
                    stderr=subprocess.STDOUT,
                )
        yield started
    finally:
        for process in [*started.values(), *servers]:
            process.terminate()
            process.wait(timeout=30)


def _serve(data_dir: Path, url: str) -> subprocess.Popen[bytes]:
    with (data_dir / "serve.log").open("w") as log:
        return subprocess.Popen(
            [str(BIN / "accord"), "serve", "--bind", url.removeprefix("http://"), "--workers", "1"],
            env=_server_env(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _schemathesis(url: str, persona: str, token: str) -> list[str]:
    return [
        str(BIN / "schemathesis"),
        "--config-file", str(CONFIG),
        "run", f"{url}/api/schema/",
        "--checks", "all",
        "--max-examples", str(EXAMPLES),
        # One worker: Hypothesis's code inspection is not safe across threads.
        "--workers", "1",
        "--header", f"Authorization: Token {token}",
        "--report", "junit",
        "--report-junit-path", str(OUTPUT_DIR / f"{persona}.xml"),
        "--no-color",
    ]  # fmt: skip


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "accord serve exited before answering"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"accord serve did not answer {url} within a minute")


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_api_keeps_its_schema_for(
    persona: str, runs: dict[str, subprocess.Popen[bytes]]
) -> None:
    run = runs[persona]
    try:
        run.wait(timeout=TIME_BOX)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Schemathesis as the {persona} took longer than {TIME_BOX} s")
    report = OUTPUT_DIR / f"{persona}.txt"
    output = report.read_text()
    assert run.returncode == 0, (
        f"Schemathesis as the {persona} found failures (full report: {report}):\n"
        + _failures(output)
    )


def _failures(output: str, limit: int = 20_000) -> str:
    """The report from its failures on (the phase summary before them says little)."""
    start = output.find(" FAILURES ")
    text = output[start:] if start >= 0 else output
    return text if len(text) <= limit else text[:limit] + "\n… (truncated; see the report)"
