"""`accord worker`: run queued background jobs (e-mail delivery and later ones).

django-tasks-db's `db_worker` with Accord's loop (accord.core.worker): it checks the database
first, never reloads on code changes unless asked, beats a heartbeat, takes over the jobs of
dead workers, enqueues periodic jobs, waits out database outages, and stops cleanly on SIGTERM
or SIGINT (a job that is running finishes first; a second signal stops at once). Several
workers may run side by side.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands import db_worker

from accord.core.management.utils import require_migrated
from accord.core.worker.runner import AccordWorker, when_database_answers

SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, s)]


class Command(db_worker.Command):
    help = (
        "Run background jobs from the database queue (e-mail delivery and others) until "
        "stopped with Ctrl+C or SIGTERM. Use --batch to run what is queued now and exit."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # Production defaults: no code reloading, and all of Accord's queues.
        parser.set_defaults(reload=False)
        # The backend is checked in handle(), with an explanation instead of a usage error.
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = str

    def handle(self, *args: Any, **options: Any) -> None:
        backend = task_backends[options.get("backend_name") or DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"The task backend is {type(backend).__name__}, which runs jobs without a "
                "worker. Set TASKS to django_tasks_db.DatabaseBackend to use `accord worker`."
            )
        when_database_answers(require_migrated)
        if options["verbosity"] >= 1 and not options["batch"]:
            self.stdout.write(
                f"Accord worker {options['worker_id'][:8]} waiting for jobs "
                f"(queue {options['queue_name']}, every {options['interval']}s). "
                "Stop with Ctrl+C."
            )
        # db_worker installs its own handlers; put back the caller's afterwards so a worker
        # run inside another process (tests, an embedding script) leaves it as it was.
        previous = {name: signal.getsignal(getattr(signal, name)) for name in SIGNALS}
        try:
            self.run_worker(**options)
        except SystemExit as exc:
            # The graceful stop exits with 0 from the signal handler: report, do not fail.
            if exc.code not in (0, None):
                raise
        finally:
            for name, handler in previous.items():
                signal.signal(getattr(signal, name), handler)
        if options["verbosity"] >= 1 and not options["batch"]:
            self.stdout.write("Accord worker stopped.")

    def run_worker(self, **options: Any) -> None:
        """db_worker's handle() with Accord's worker loop."""
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = AccordWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"] or DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
