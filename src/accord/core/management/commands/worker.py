"""`accord worker`: run queued background jobs (e-mail delivery and later ones).

A thin layer over django-tasks-db's `db_worker`: it checks the database first, never reloads
on code changes unless asked, and stops cleanly on SIGTERM or SIGINT (a job that is running
finishes first; a second signal stops at once). Several workers may run side by side.
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.management.commands import db_worker

from accord.core.management.utils import require_migrated
from accord.notifications.mail import email_requeue_stranded

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
        require_migrated()
        requeued = email_requeue_stranded()
        if requeued and options["verbosity"] >= 1:
            self.stdout.write(f"Requeued {requeued} undelivered e-mail(s) that had no job.")
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
            super().handle(*args, **options)
        except SystemExit as exc:
            # The graceful stop exits with 0 from the signal handler: report, do not fail.
            if exc.code not in (0, None):
                raise
        finally:
            for name, handler in previous.items():
                signal.signal(getattr(signal, name), handler)
        if options["verbosity"] >= 1 and not options["batch"]:
            self.stdout.write("Accord worker stopped.")
