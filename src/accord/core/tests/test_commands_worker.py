"""`accord worker` runs queued jobs and stops cleanly."""

from __future__ import annotations

import signal
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accord.core.tests.processes import accord, start, stop
from accord.notifications.mail import email_queue
from accord.notifications.models import EmailStatus
from accord.notifications.tests.smtp import DB_TASKS, IMMEDIATE_TASKS, running_sink


@pytest.fixture
def smtp_sink(settings):
    with running_sink(settings) as sink:
        yield sink


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_queued_jobs_then_exits_in_batch_mode(settings, smtp_sink) -> None:
    settings.TASKS = DB_TASKS
    with transaction.atomic():
        first = email_queue(to="a@example.com", subject="Kick-off", body="See you Monday.")
        second = email_queue(to="b@example.com", subject="启动会", body="周一见。")
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    handler_before = signal.getsignal(signal.SIGINT)

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    for email in (first, second):
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert sorted(m["Subject"] for m in smtp_sink.messages) == ["Kick-off", "启动会"]
    # The caller's signal handlers are put back.
    assert signal.getsignal(signal.SIGINT) is handler_before


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_picks_up_a_job_queued_later(settings, smtp_sink) -> None:
    settings.TASKS = DB_TASKS
    done = threading.Event()

    def work() -> None:
        from django.db import connection

        try:
            # --max-tasks stops the worker after the one job; signals are main-thread only.
            from django_tasks_db.management.commands.db_worker import Worker

            Worker(
                queue_names=["default"],
                interval=0.1,
                batch=False,
                backend_name="default",
                startup_delay=False,
                max_tasks=1,
                worker_id="test-thread",
                excluded_queue_names=[],
            ).run()
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(0.3)
    with transaction.atomic():
        email = email_queue(to="late@example.com", subject="Later", body="Queued after start.")
    thread.join(timeout=20)

    assert done.is_set()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert [m["Subject"] for m in smtp_sink.messages] == ["Later"]


def test_it_explains_that_the_immediate_backend_needs_no_worker(settings) -> None:
    settings.TASKS = IMMEDIATE_TASKS

    with pytest.raises(CommandError, match="runs jobs without a worker"):
        call_command("worker", "--batch", stdout=StringIO())


def test_it_stops_cleanly_on_sigterm(tmp_path) -> None:
    accord(tmp_path, "migrate", "--noinput", "-v0")
    worker = start(tmp_path, "worker", "--interval", "0.2")
    try:
        line = worker.stdout.readline()
        assert "waiting for jobs" in line
        time.sleep(0.5)
    finally:
        code, out, err = stop(worker, timeout=15)

    assert code == 0, err
    assert "Accord worker stopped." in out


def test_it_refuses_an_unmigrated_database(tmp_path) -> None:
    result = accord(tmp_path, "worker", "--batch", check=False)

    assert result.returncode == 1
    assert "accord migrate" in result.stderr
