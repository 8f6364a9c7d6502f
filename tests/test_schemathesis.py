"""Schemathesis against the production server with the demo workspace: the API's schema holds.

`accord serve` runs on SQLite in a throw-away data folder with the demo workspace loaded;
Schemathesis generates requests for every operation of `/api/schema/` with every check on
(no server error, documented statuses, content types and headers, responses valid against the
schema, invalid data refused, valid data accepted, authentication not ignored, stateful links),
once as a client approver and once as the project manager, each derandomised (the same requests
in every run) with a fixed number of examples per operation. Writes go to the throw-away
database only.

The run is marked `schemathesis`: `make test` runs it once, on its own, after the SQLite suite.
Its full report is kept in test-output/schemathesis/.
"""

from __future__ import annotations

import os
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
EXAMPLES = 8
# Wall-clock bound of one persona's run; the whole run takes well under it on two cores.
TIME_BOX = 300
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
def live_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`accord serve` on a free port over a fresh demo workspace; the personas' tokens."""
    data_dir = tmp_path_factory.mktemp("schemathesis-data")
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
    tokens = {persona: by_email[email] for persona, email in PERSONAS.items()}

    url = f"http://127.0.0.1:{_free_port()}"
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "accord"), "serve", "--bind", url.removeprefix("http://"), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"{url}/api/schema/", server)
        yield url, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


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


# The client runs first: the manager's writes (deleting, closing) would leave it less to read.
@pytest.mark.parametrize("persona", ["client", "manager"])
def test_the_api_keeps_its_schema_for(persona: str, live_demo: tuple[str, dict[str, str]]) -> None:
    url, tokens = live_demo
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    report = OUTPUT_DIR / f"{persona}.txt"
    command = [
        str(BIN / "schemathesis"),
        "--config-file", str(CONFIG),
        "run", f"{url}/api/schema/",
        "--checks", "all",
        "--max-examples", str(EXAMPLES),
        "--workers", "2",
        "--header", f"Authorization: Token {tokens[persona]}",
        "--report", "junit",
        "--report-junit-path", str(OUTPUT_DIR / f"{persona}.xml"),
        "--no-color",
    ]  # fmt: skip
    env = {**os.environ, "COLUMNS": "120"}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TIME_BOX, cwd=OUTPUT_DIR
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"Schemathesis as the {persona} took longer than {TIME_BOX} s: {exc}")
    report.write_text(done.stdout + done.stderr)
    assert done.returncode == 0, (
        f"Schemathesis as the {persona} found failures (full report: {report}):\n"
        + _failures(done.stdout + done.stderr)
    )


def _failures(output: str, limit: int = 20_000) -> str:
    """The report from its failures on (the phase summary before them says little)."""
    start = output.find(" FAILURES ")
    text = output[start:] if start >= 0 else output
    return text if len(text) <= limit else text[:limit] + "\n… (truncated; see the report)"
