"""The worker layer: heartbeats, takeover of dead workers' jobs, periodic jobs once per period,
and a loop that waits out a database outage. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from accord.core.models import PeriodicRun, WorkerHeartbeat
from accord.core.worker import registry, services
from accord.core.worker.runner import AccordWorker, Outage, current_worker_id
from accord.notifications.tests.smtp import DB_TASKS

NOW = dt.datetime(2026, 3, 2, 9, 41, 7, tzinfo=dt.UTC)


@task()
def tick() -> str:
    """A periodic job for these tests."""
    return "tick"


@task()
def remember_worker() -> str:
    return current_worker_id()


@pytest.fixture
def db_tasks(settings) -> None:
    settings.TASKS = DB_TASKS


@pytest.fixture
def only_tick(monkeypatch) -> registry.PeriodicJob:
    """The registry holds just the test's hourly job (and no app's)."""
    job = registry.PeriodicJob(name="tests.tick", every=dt.timedelta(hours=1), task=tick)
    monkeypatch.setattr(registry, "PERIODIC_JOBS", {job.name: job})
    monkeypatch.setattr(services, "PERIODIC_JOBS", registry.PERIODIC_JOBS)
    return job


def beat(worker_id: str, at: dt.datetime) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="h", pid=1, started_at=at, beat_at=at
    )


def running_job(worker_id: str, started_at: dt.datetime) -> DBTaskResult:
    result = tick.enqueue()
    job = DBTaskResult.objects.get(pk=result.id)
    job.status = "RUNNING"
    job.worker_ids = [worker_id]
    job.started_at = started_at
    job.save()
    return job


def worker(**overrides) -> AccordWorker:
    options = {
        "queue_names": ["default"],
        "interval": 0.05,
        "batch": False,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "w-test",
        "excluded_queue_names": [],
    }
    options.update(overrides)
    return AccordWorker(**options)


@pytest.mark.django_db
class TestTakeover:
    def test_a_dead_workers_running_job_goes_back_to_ready(self, db_tasks, settings) -> None:
        settings.ACCORD_WORKER_DEAD_AFTER = 30
        now = timezone.now()
        beat("dead", now - dt.timedelta(seconds=45))
        beat("alive", now - dt.timedelta(seconds=3))
        orphan = running_job("dead", now - dt.timedelta(seconds=50))
        busy = running_job("alive", now - dt.timedelta(minutes=20))

        assert services.workers_recover(now=now) == 1

        orphan.refresh_from_db()
        busy.refresh_from_db()
        assert (orphan.status, orphan.started_at) == ("READY", None)
        # A long job under a worker that still beats is never taken away from it.
        assert busy.status == "RUNNING"
        assert set(WorkerHeartbeat.objects.values_list("pk", flat=True)) == {"alive"}

    def test_a_job_just_claimed_by_a_worker_not_yet_seen_is_left_alone(
        self, db_tasks, settings
    ) -> None:
        settings.ACCORD_WORKER_DEAD_AFTER = 30
        now = timezone.now()
        fresh = running_job("starting", now - dt.timedelta(seconds=5))
        old = running_job("vanished", now - dt.timedelta(seconds=31))

        services.workers_recover(now=now)

        fresh.refresh_from_db()
        old.refresh_from_db()
        assert fresh.status == "RUNNING"
        assert old.status == "READY"

    def test_recovery_hooks_hear_which_workers_live(self, db_tasks, settings, monkeypatch) -> None:
        settings.ACCORD_WORKER_DEAD_AFTER = 30
        now = timezone.now()
        beat("dead", now - dt.timedelta(seconds=31))
        beat("alive", now)
        calls = []

        def hook(*, live_workers, claimed_before) -> int:
            calls.append((live_workers, claimed_before))
            return 2

        monkeypatch.setattr(registry, "RECOVERY_HOOKS", {"test": hook})
        monkeypatch.setattr(services, "RECOVERY_HOOKS", registry.RECOVERY_HOOKS)

        assert services.workers_recover(now=now) == 2
        assert calls == [(frozenset({"alive"}), now - dt.timedelta(seconds=30))]

    def test_a_beat_refreshes_the_row_and_recreates_it_when_taken_for_dead(self) -> None:
        started = timezone.now() - dt.timedelta(minutes=5)
        assert services.heartbeat_beat(worker_id="w1", started_at=started) is False
        row = WorkerHeartbeat.objects.get()
        assert (row.started_at, row.host != "") == (started, True)

        assert services.heartbeat_beat(worker_id="w1", started_at=started) is True
        assert WorkerHeartbeat.objects.get().beat_at >= row.beat_at

        WorkerHeartbeat.objects.all().delete()
        assert services.heartbeat_beat(worker_id="w1", started_at=started) is False
        assert WorkerHeartbeat.objects.filter(pk="w1").exists()


@pytest.mark.django_db
class TestPeriodic:
    def test_a_period_starts_on_its_boundary_from_the_epoch(self) -> None:
        hour = services.period_start(NOW, dt.timedelta(hours=1))
        assert hour == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
        assert services.period_start(NOW, dt.timedelta(minutes=15)) == hour.replace(minute=30)

    def test_a_job_is_enqueued_once_per_period(self, db_tasks, only_tick) -> None:
        assert services.periodic_enqueue_due(worker_id="a", now=NOW) == ["tests.tick"]
        assert services.periodic_enqueue_due(worker_id="b", now=NOW) == []
        later = NOW + dt.timedelta(minutes=18)  # 09:59:07, same period
        assert services.periodic_enqueue_due(worker_id="b", now=later) == []
        assert services.periodic_enqueue_due(worker_id="b", now=NOW + dt.timedelta(hours=1)) == [
            "tests.tick"
        ]

        assert DBTaskResult.objects.filter(task_path=tick.module_path).count() == 2
        assert list(PeriodicRun.objects.order_by("period_start").values_list("worker_id")) == [
            ("a",),
            ("b",),
        ]

    def test_old_runs_are_forgotten(self, db_tasks, only_tick) -> None:
        services.periodic_enqueue_due(worker_id="a", now=NOW)
        services.periodic_enqueue_due(worker_id="a", now=NOW + dt.timedelta(days=31))

        assert PeriodicRun.objects.count() == 1

    def test_the_change_reminder_is_registered_hourly(self) -> None:
        from accord.changes.tasks import remind_approvers

        job = registry.PERIODIC_JOBS["changes.remind"]
        assert (job.every, job.task) == (dt.timedelta(hours=1), remind_approvers)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_period_run_it_once(db_tasks, only_tick) -> None:
    """Every thread has its own connection, as separate worker processes would."""
    threads = 6
    barrier = threading.Barrier(threads)
    won: list[list[str]] = []
    errors: list[BaseException] = []

    def race(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            won.append(services.periodic_enqueue_due(worker_id=f"w{index}", now=NOW))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=race, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(won) == [[]] * (threads - 1) + [["tests.tick"]]
    assert PeriodicRun.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=tick.module_path).count() == 1


@pytest.mark.django_db(transaction=True)
class TestLoop:
    def test_it_beats_while_it_runs_and_leaves_no_row_when_it_stops(
        self, db_tasks, settings, only_tick
    ) -> None:
        settings.ACCORD_WORKER_HEARTBEAT = 0.1
        runner = worker(worker_id="w-beat")
        seen: list[dt.datetime] = []

        def watch() -> None:
            try:
                for _ in range(100):
                    row = WorkerHeartbeat.objects.filter(pk="w-beat").first()
                    if row and (not seen or row.beat_at > seen[-1]):
                        seen.append(row.beat_at)
                    if len(seen) >= 3:
                        break
                    threading.Event().wait(0.05)
            finally:
                runner.running = False
                connection.close()

        watcher = threading.Thread(target=watch)
        watcher.start()
        runner.run()
        watcher.join()

        assert len(seen) >= 3
        assert not WorkerHeartbeat.objects.filter(pk="w-beat").exists()
        # The periodic job of the current period was enqueued by this worker.
        assert PeriodicRun.objects.get().worker_id == "w-beat"

    def test_jobs_run_under_the_workers_id(self, db_tasks) -> None:
        result = remember_worker.enqueue()

        worker(worker_id="w-id", batch=True).run()

        assert DBTaskResult.objects.get(pk=result.id).return_value == "w-id"

    def test_it_waits_out_a_database_outage_and_logs_it_once(
        self, db_tasks, monkeypatch, caplog
    ) -> None:
        """The old loop exited with the first OperationalError; this one backs off, says so
        once, says when the database is back, and then runs the job."""
        with transaction.atomic():
            result = tick.enqueue()
        failures = {"left": 5}
        real_ready = DBTaskResult.objects.ready

        def flaky_ready():
            if failures["left"]:
                failures["left"] -= 1
                raise OperationalError("server closed the connection unexpectedly")
            return real_ready()

        monkeypatch.setattr(DBTaskResult.objects, "ready", flaky_ready)
        monkeypatch.setattr("accord.core.worker.runner.Backoff.next", lambda self: 0.01)
        # The failures start as the worker starts; log them at once (see TestOutage).
        monkeypatch.setattr(Outage, "GRACE", 0.0)
        caplog.set_level(logging.WARNING, logger="accord.worker")

        runner = worker(worker_id="w-outage", max_tasks=1)
        runner.run()

        assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
        # A claim whose answer was lost in the outage would stay "running" under the old id:
        # the worker carried on under a new one, once for the whole outage.
        assert runner.worker_id != "w-outage"
        assert runner.retired in ([], ["w-outage"])
        messages = [r.getMessage() for r in caplog.records]
        assert sum("Database unreachable" in m for m in messages) == 1, messages
        assert sum("Database reachable again" in m for m in messages) == 1, messages


@task()
def lose_the_database() -> None:
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_database_work_failed_is_left_to_a_takeover(db_tasks) -> None:
    """What the job held under this worker's id (an e-mail "sending") would stay held while the
    worker lives; the worker goes on under a new id, so the old one is taken over."""
    lose_the_database.enqueue()
    runner = worker(worker_id="w-before", batch=True)

    runner.run()

    assert runner.worker_id != "w-before"
    assert current_worker_id() == runner.worker_id


@pytest.mark.django_db
def test_the_admin_lists_the_running_workers_and_periodic_runs(client, settings) -> None:
    from accord.accounts.tests.factories import UserFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    beat("a1b2c3d4e5", timezone.now())
    PeriodicRun.objects.create(job="changes.remind", period_start=NOW, worker_id="a1b2c3d4e5")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    workers = client.get("/admin/core/workerheartbeat/")
    runs = client.get("/admin/core/periodicrun/")

    assert workers.status_code == runs.status_code == 200
    assert "a1b2c3d4e5" in workers.content.decode()
    assert "changes.remind" in runs.content.decode()


class TestOutage:
    """One outage, one line when it starts and one when it ends, however many attempts fail
    and however many connections find out."""

    def outage(self, caplog) -> tuple[Outage, list[float]]:
        caplog.set_level(logging.INFO, logger="accord.worker")
        now = [1000.0]
        return Outage(clock=lambda: now[0]), now

    def lines(self, caplog) -> list[str]:
        return [r.getMessage().split(" (")[0].split(" after")[0] for r in caplog.records]

    def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(self, caplog) -> None:
        outage, now = self.outage(caplog)
        now[0] += 60
        for _ in range(5):
            outage.failed(OperationalError("connection refused"))
            now[0] += 2
        assert outage.up_for() == 0
        outage.answered()
        outage.answered()

        assert self.lines(caplog) == ["Database unreachable", "Database reachable again"]
        now[0] += 3
        assert outage.up_for() == 3

    def test_a_connection_finding_out_late_about_a_restart_is_the_same_outage(self, caplog) -> None:
        outage, now = self.outage(caplog)
        now[0] += 60
        outage.failed(OperationalError("terminating connection"))
        now[0] += 1
        outage.answered()  # one thread reconnected …
        now[0] += 0.5
        outage.failed(OperationalError("the connection is closed"))  # … another one learns
        outage.answered()

        assert self.lines(caplog) == ["Database unreachable", "Database reachable again"]

    def test_a_failure_soon_after_a_restart_is_logged_once_it_lasts(self, caplog) -> None:
        outage, now = self.outage(caplog)
        now[0] += 1
        outage.failed(OperationalError("connection refused"))
        assert self.lines(caplog) == []
        now[0] += Outage.GRACE
        outage.failed(OperationalError("connection refused"))
        now[0] += 20
        outage.failed(OperationalError("connection refused"))
        outage.answered()

        assert self.lines(caplog) == ["Database unreachable", "Database reachable again"]
