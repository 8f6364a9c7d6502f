"""`accord serve`: the production web server (gunicorn) on Accord's WSGI application."""

from __future__ import annotations

import gc
import os
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

from accord.core.management.utils import require_migrated


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise CommandError(f"{name} must be a whole number, not {value!r}.") from exc


class AccordServer(BaseApplication):
    """Gunicorn configured from arguments instead of a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        from accord.config.wsgi import application

        preload_shared_state()
        return application


def preload_shared_state() -> None:
    """Do in the master, once, what every worker would otherwise do for itself on its first
    request: import every view (the URLconf), so the forked workers share those pages. Then
    move everything allocated so far out of the garbage collector's sight (`gc.freeze()`):
    a collection in a worker would otherwise write to each shared object's header and copy
    its page."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (importing is the point)
    gc.collect()
    gc.freeze()


class Command(BaseCommand):
    help = (
        "Serve Accord with the production server (gunicorn). Bind address and number of "
        "worker processes come from --bind/ACCORD_BIND and --workers/ACCORD_WORKERS."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("ACCORD_BIND", "127.0.0.1:8000"),
            help="Address and port to listen on (default: ACCORD_BIND or 127.0.0.1:8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default: ACCORD_WORKERS or 2).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Threads per worker process (default: ACCORD_THREADS or 1).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="Seconds before a silent worker is restarted (default: 60).",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=os.environ.get("ACCORD_ACCESS_LOG", "") not in ("", "0", "false"),
            help="Log every request to standard output (default: ACCORD_ACCESS_LOG).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or env_int("ACCORD_WORKERS", 2)
        threads = options["threads"] or env_int("ACCORD_THREADS", 1)
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        self.check()
        require_migrated()
        self.require_static()
        # The master process forks the workers: it must not hand them its own connection.
        connections.close_all()
        self.stdout.write(
            f"Accord serving on http://{options['bind']} "
            f"({workers} workers × {threads} threads). Stop with Ctrl+C."
        )
        self.stdout.flush()
        AccordServer(
            {
                "bind": options["bind"],
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "timeout": options["timeout"],
                "graceful_timeout": 20,
                "accesslog": "-" if options["access_log"] else None,
                "errorlog": "-",
                "loglevel": "warning",
                # The application is loaded once in the master, so workers share its memory.
                "preload_app": True,
                "proc_name": "accord",
            }
        ).run()

    def require_static(self) -> None:
        """With the manifest storage every page needs collected static files: say so early."""
        if not isinstance(staticfiles_storage, ManifestFilesMixin):
            return
        if not staticfiles_storage.exists(staticfiles_storage.manifest_name):
            raise CommandError(
                f"Static files are not collected in {settings.STATIC_ROOT}.\n"
                "Run `accord collectstatic --noinput` first, then try again."
            )
