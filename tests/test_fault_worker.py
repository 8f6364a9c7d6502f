"""Fault test of the worker layer, with real processes on a throw-away PostgreSQL cluster.

Two `accord worker` processes deliver 30 e-mails to a slow SMTP server on 127.0.0.1. One
worker is killed with SIGKILL while it sends (a replacement starts, as `make run` would start
one); then PostgreSQL is restarted under the running workers, and stopped for 20 s. All mail
must arrive within two minutes, none lost, a copy sent twice carrying the same Message-ID, and
the workers must still run.

Marked `fault`: it starts its own cluster with `initdb`/`pg_ctl` on another port (Debian's
binaries in /usr/lib/postgresql/*/bin; as root they run as the `postgres` user), so `make test`
runs it on its own, after the parallel suite. Without PostgreSQL's binaries it is skipped,
except under CI, where that is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from accord.core.tests.processes import ACCORD, accord_env, free_port

pytestmark = pytest.mark.fault

MAILS = 30
SEND_SECONDS = 0.6  # how long the SMTP server takes to answer each message
DEADLINE = 120  # all mail delivered within two minutes of being queued
OUTAGE = 20
# Shorter than production's 5 s / 30 s so the test stays short; the mechanism is the same.
WORKER_SETTINGS = {"ACCORD_WORKER_HEARTBEAT": "1", "ACCORD_WORKER_DEAD_AFTER": "8"}

QUEUE_SCRIPT = f"""
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
django.setup()
from django.db import transaction
from accord.notifications.mail import email_queue
with transaction.atomic():
    for i in range({MAILS}):
        email_queue(to=f"client{{i}}@example.com", subject=f"fault {{i:02}}", body="请确认。")
"""


def postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1:`port`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="accord-fault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        # PostgreSQL refuses to run as root: run its programs as `postgres`, in a folder it owns.
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/accord"

    def run(self, program: str, *args: str, timeout: float = 60) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.root,
        )

    def ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *args)

    def create(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.ctl("start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "accord")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str, *params: object) -> list[tuple]:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="accord", connect_timeout=5
        ) as conn:
            return conn.execute(sql, params).fetchall()


class SlowSink:
    """Accepts mail slowly, so that a send is in flight when a worker is killed. A message is
    kept as soon as its data has arrived, before the answer: a client killed meanwhile sends it
    again, as after a crash between the server's acceptance and the database's "sent"."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        await asyncio.sleep(SEND_SECONDS)
        return "250 Message accepted for delivery"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = postgres_bin()
    if bindir is None:
        message = "PostgreSQL's initdb is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = Cluster(bindir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def sink() -> Iterator[SlowSink]:
    sink = SlowSink()
    sink.controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def test_mail_survives_a_killed_worker_and_a_database_restart(
    cluster: Cluster, sink: SlowSink, tmp_path: Path
) -> None:
    env = accord_env(
        tmp_path,
        DATABASE_URL=cluster.url,
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        **WORKER_SETTINGS,
    )
    subprocess.run([*ACCORD, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=180)
    workers: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}

    def start_worker(name: str) -> None:
        logs[name] = tmp_path / f"{name}.log"
        with logs[name].open("w") as log:
            workers[name] = subprocess.Popen(
                [*ACCORD, "worker", "--interval", "0.2", "--worker-id", name],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def sending_by(name: str) -> bool:
        return bool(
            cluster.query(
                "select 1 from notifications_outgoingemail "
                "where status = 'sending' and worker_id = %s",
                name,
            )
        )

    try:
        start_worker("worker-a")
        start_worker("worker-b")
        subprocess.run([sys.executable, "-c", QUEUE_SCRIPT], env=env, check=True, timeout=60)
        queued_at = time.monotonic()
        expected = dict(
            cluster.query("select message_id, subject from notifications_outgoingemail")
        )
        assert len(expected) == MAILS

        # Killed while its SMTP conversation is open; a replacement starts.
        wait_until(lambda: sending_by("worker-a"), 30, "worker-a to be sending")
        time.sleep(SEND_SECONDS / 3)
        workers["worker-a"].send_signal(signal.SIGKILL)
        workers["worker-a"].wait(timeout=10)
        start_worker("worker-c")

        # PostgreSQL restarts under the running workers (open connections are cut), then
        # stays away for 20 s.
        wait_until(lambda: sending_by("worker-b"), 30, "worker-b to be sending")
        cluster.ctl("-m", "fast", "restart")
        time.sleep(2)
        cluster.ctl("-m", "fast", "stop")
        time.sleep(OUTAGE)
        cluster.ctl("start")

        def all_delivered() -> bool:
            with sink.lock:
                arrived = {m["Message-ID"] for m in sink.messages}
            return arrived >= set(expected)

        wait_until(all_delivered, DEADLINE - (time.monotonic() - queued_at), "all mail")
        # Every message is marked sent once the database has caught up.
        wait_until(
            lambda: (
                cluster.query(
                    "select count(*) from notifications_outgoingemail where status = 'sent'"
                )
                == [(MAILS,)]
            ),
            30,
            "every message to be marked sent",
        )

        with sink.lock:
            received = list(sink.messages)
        # None lost, nothing foreign; a message sent twice is the same message (Message-ID).
        assert {m["Message-ID"] for m in received} == set(expected)
        for message in received:
            assert message["Subject"] == expected[message["Message-ID"]]
        copies = Counter(m["Message-ID"] for m in received)
        assert len(received) - MAILS == sum(n - 1 for n in copies.values())

        print(f"{len(received)} messages for {MAILS} e-mails; copies: {copies.most_common(3)}")
        for name in ("worker-b", "worker-c"):
            print(f"--- {name}\n{logs[name].read_text()}")
            assert workers[name].poll() is None, logs[name].read_text()
            output = logs[name].read_text()
            assert "Traceback" not in output, output
            # Two outages (the restart and the 20 s stop), each logged once at most.
            assert output.count("Database unreachable") <= 2, output
        assert "Database unreachable" in logs["worker-b"].read_text()
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
        for process in workers.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
