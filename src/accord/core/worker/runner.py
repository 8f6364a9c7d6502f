"""The loop of `accord worker`: django-tasks-db's worker with a heartbeat, takeover of dead
workers' jobs, periodic jobs, and a database that may go away for a while.

A thread beats every `ACCORD_WORKER_HEARTBEAT` seconds, also while a long job runs, and does
the housekeeping every worker shares (taking over dead workers' jobs, enqueueing periodic
jobs). When the database does not answer, the loop and the thread wait with back-off and try
again; the outage is logged once when it starts and once when it ends.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from accord.core.worker import services

log = logging.getLogger("accord.worker")

# What a lost or restarting database raises (psycopg and sqlite3 alike, through Django).
DATABASE_DOWN = (OperationalError, InterfaceError)

T = TypeVar("T")

_current_worker_id = ""
_current_outage: Outage | None = None


def current_worker_id() -> str:
    """The id under which this process's worker runs jobs ("" outside a worker): a job that
    marks rows as its own stores it, so they are released if this worker dies."""
    return _current_worker_id


def new_worker_id() -> str:
    return get_random_string(32)


class Outage:
    """Whether the database answers, shared by the loop, the heartbeat thread and a job that
    waits, so that an outage is logged once however many attempts fail.

    Each thread has its own connection and learns of a restart when it next uses it, so one
    restart may show as failures a moment after the database answered again elsewhere. A
    failure within `GRACE` seconds of the database answering is therefore the same outage:
    it is logged only if it lasts `GRACE` seconds.
    """

    GRACE = 5.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self.clock = clock
        self.down_since: float | None = None
        self.logged = False
        self.up_since = clock()

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = self.clock()
            if self.down_since is None:
                self.down_since = now
                self.logged = False
            fresh = self.down_since - self.up_since >= self.GRACE
            if not self.logged and (fresh or now - self.down_since >= self.GRACE):
                self.logged = True
                log.error("Database unreachable (%s: %s); retrying", type(exc).__name__, exc)

    def answered(self) -> None:
        with self._lock:
            if self.down_since is None:
                return
            now = self.clock()
            if self.logged:
                log.warning(
                    "Database reachable again after %.0f s; carrying on", now - self.down_since
                )
            self.down_since = None
            self.up_since = now

    def up_for(self) -> float:
        """Seconds since the database last came back (or the worker started)."""
        with self._lock:
            return 0.0 if self.down_since is not None else self.clock() - self.up_since


class Backoff:
    """0.5 s, 1 s, 2 s … up to 10 s, with a little jitter so workers do not retry in step."""

    def __init__(self, first: float = 0.5, most: float = 10.0) -> None:
        self.first, self.most, self.delay = first, most, first

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.delay * 2, self.most)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.delay = self.first


def when_database_answers(action: Callable[[], T]) -> T:
    """Run `action`, waiting with back-off while the database does not answer (a worker
    started during an outage waits for the database instead of exiting). Inside a worker the
    worker's own record of the outage is used, so a job waiting too does not log it again."""
    outage, backoff = _current_outage or Outage(), Backoff()
    while True:
        try:
            result = action()
        except DATABASE_DOWN as exc:
            outage.failed(exc)
            connection.close()
            time.sleep(backoff.next())
        else:
            outage.answered()
            return result


class AccordWorker(Worker):
    """django-tasks-db's `Worker` whose loop survives the database going away, with a
    heartbeat thread (see the module docstring)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.outage = Outage()
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.heartbeat_thread: threading.Thread | None = None
        # The job being run, and ids this process no longer uses (their rows are deleted).
        self.claimed: DBTaskResult | None = None
        self.retired: list[str] = []

    # Identity ------------------------------------------------------------------------------

    def set_worker_id(self, worker_id: str) -> None:
        global _current_worker_id
        self.worker_id = worker_id
        _current_worker_id = worker_id

    def take_new_identity(self, *, job_lost: bool) -> None:
        """Carry on under a new id after the database failed under this worker: a job it was
        running, or one whose claim committed although the answer was lost, would otherwise
        stay "running" under a worker that lives on. The old id's row is deleted, so what it
        held is taken over like a dead worker's and run again (at least once)."""
        old = self.worker_id
        self.retired.append(old)
        self.set_worker_id(new_worker_id())
        log.log(
            logging.WARNING if job_lost else logging.INFO,
            "Worker %s continues as %s; its last job will be taken over",
            old,
            self.worker_id,
        )

    # Heartbeat thread ----------------------------------------------------------------------

    def housekeeping(self) -> None:
        """One beat, then what every worker shares: taking over dead workers' jobs and
        enqueueing periodic jobs. Takeover waits until the database has answered for a whole
        `ACCORD_WORKER_DEAD_AFTER` after an outage, so that the other workers have beaten again
        and none is taken for dead merely because the database was away."""
        if not services.heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at):
            log.info("Worker %s registered", self.worker_id)
        while self.retired:
            services.heartbeat_stop(worker_id=self.retired[0])
            self.retired.pop(0)
        self.outage.answered()
        if self.batch:
            return
        if self.outage.up_for() >= settings.ACCORD_WORKER_DEAD_AFTER:
            services.workers_recover()
        services.periodic_enqueue_due(worker_id=self.worker_id)

    def heartbeat_loop(self) -> None:
        interval = settings.ACCORD_WORKER_HEARTBEAT
        try:
            while not self.stopping.wait(interval):
                try:
                    self.housekeeping()
                except DATABASE_DOWN as exc:
                    self.outage.failed(exc)
                    connection.close()
                except Exception:
                    # A failing hook or job registration must not stop the heartbeat.
                    log.exception("Worker housekeeping failed")
        finally:
            connection.close()

    def start_heartbeat(self) -> None:
        self.heartbeat_thread = threading.Thread(
            target=self.heartbeat_loop, name="accord-worker-heartbeat", daemon=True
        )
        self.heartbeat_thread.start()

    def stop_heartbeat(self) -> None:
        self.stopping.set()
        if self.heartbeat_thread is not None:
            self.heartbeat_thread.join(timeout=settings.ACCORD_WORKER_HEARTBEAT + 5)
        # Without the database the row simply ages out and the next takeover deletes it.
        with contextlib.suppress(*DATABASE_DOWN):
            for worker_id in [*self.retired, self.worker_id]:
                services.heartbeat_stop(worker_id=worker_id)

    # Loop ----------------------------------------------------------------------------------

    def run(self) -> None:
        global _current_outage
        self.set_worker_id(self.worker_id)
        _current_outage = self.outage
        if self.startup_delay and self.interval:
            # Workers started together do not all poll in step.
            time.sleep(random.random())
        backoff = Backoff()
        started = renamed = False
        try:
            while self.running:
                try:
                    if not started:
                        # Registered before the first job is claimed. A batch run takes over
                        # dead workers' jobs now; a lasting worker leaves that to its
                        # heartbeat thread, once the database has answered long enough for
                        # every live worker to have beaten again (it may just be back).
                        self.housekeeping()
                        if self.batch:
                            services.workers_recover()
                        self.start_heartbeat()
                        started = True
                    if self.step() is False:
                        return
                    backoff.reset()
                    renamed = False
                except DATABASE_DOWN as exc:
                    self.outage.failed(exc)
                    if started and not renamed:
                        self.take_new_identity(job_lost=self.claimed is not None)
                        renamed = True
                    self.running_task = False
                    self.claimed = None
                    connection.close()
                    time.sleep(backoff.next())
        finally:
            self.stop_heartbeat()
            _current_outage = None

    def step(self) -> bool:
        """Claim and run one job, or wait; False when the worker should stop (batch done,
        maximum reached)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        task_result = None
        retrieved = True
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            # SQLite busy: someone else holds the write lock; try again shortly.
            if not is_locked_database_exception(exc):
                raise
            task_result, retrieved = None, False
        self.outage.answered()
        if task_result is not None:
            self.claimed = task_result
            self.run_task(task_result)
            self.claimed = None
            if task_result.status == "FAILED" and task_result.exception_class_path.startswith(
                "django.db."
            ):
                # The job's own database work failed part-way: whatever it held (an e-mail
                # being sent) would stay held by this live worker. Let it be taken over.
                self.take_new_identity(job_lost=True)
        if self.batch and retrieved and task_result is None:
            return False
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return False
        close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return True
