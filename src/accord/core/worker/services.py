"""The worker layer's database side: heartbeats, taking over dead workers' work, and periodic
jobs run once per period. Every function here is safe to run from several workers at once."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.core.models import PeriodicRun, WorkerHeartbeat
from accord.core.worker.registry import PERIODIC_JOBS, RECOVERY_HOOKS

log = logging.getLogger("accord.worker")

# A finished period's row is kept this long (for the admin); older ones are deleted.
PERIODIC_RUNS_KEPT = dt.timedelta(days=30)


def dead_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ACCORD_WORKER_DEAD_AFTER)


def heartbeat_beat(*, worker_id: str, started_at: dt.datetime) -> bool:
    """Record that `worker_id` is alive now; returns False when its row had gone (another
    worker took it for dead: whatever it was doing may also be done by another worker)."""
    now = timezone.now()
    if WorkerHeartbeat.objects.filter(pk=worker_id).update(beat_at=now):
        return True
    WorkerHeartbeat.objects.update_or_create(
        pk=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
        },
    )
    return False


def heartbeat_stop(*, worker_id: str) -> None:
    """A worker that stops cleanly leaves no row behind."""
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


def workers_recover(*, now: dt.datetime | None = None) -> int:
    """Give the work of dead workers back to the queue; returns how many items were released.

    A worker is alive while its heartbeat is younger than `ACCORD_WORKER_DEAD_AFTER`. A job
    "running" under any other worker and started before that cut-off goes back to ready, and
    every registered hook releases its own rows the same way (e-mail "sending" → queued). The
    cut-off also protects a worker that has just started: whatever it claimed is younger.
    """
    now = now or timezone.now()
    cutoff = now - dead_after()
    with transaction.atomic():
        gone = list(WorkerHeartbeat.objects.filter(beat_at__lt=cutoff).values_list("pk", flat=True))
        if gone:
            WorkerHeartbeat.objects.filter(pk__in=gone, beat_at__lt=cutoff).delete()
            log.warning("Worker(s) %s stopped beating; taking over their jobs", ", ".join(gone))
        live = frozenset(WorkerHeartbeat.objects.values_list("pk", flat=True))
        # The hooks first: a job put back to ready may be picked up at once, and must then
        # find its row released.
        released = sum(
            hook(live_workers=live, claimed_before=cutoff) for hook in RECOVERY_HOOKS.values()
        )
        stuck = [
            pk
            for pk, worker_ids in DBTaskResult.objects.filter(
                status="RUNNING", started_at__lt=cutoff
            ).values_list("pk", "worker_ids")
            if not worker_ids or worker_ids[-1] not in live
        ]
        if stuck:
            DBTaskResult.objects.filter(pk__in=stuck, status="RUNNING").update(
                status="READY", started_at=None
            )
            log.warning("Requeued %s job(s) of dead workers", len(stuck))
    return released + len(stuck)


def period_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the period of length `every` that `now` falls in, counted from the epoch."""
    seconds = int(every.total_seconds())
    stamp = int(now.timestamp())
    return dt.datetime.fromtimestamp(stamp - stamp % seconds, tz=dt.UTC)


def periodic_enqueue_due(*, worker_id: str, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every registered periodic job whose current period has no run yet; returns
    their names. The (job, period) row is unique in the database, so of several workers
    arriving together exactly one inserts it and enqueues the job, in the same transaction."""
    now = now or timezone.now()
    enqueued = []
    for job in PERIODIC_JOBS.values():
        start = period_start(now, job.every)
        if PeriodicRun.objects.filter(job=job.name, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.name, period_start=start, worker_id=worker_id)
                job.task.enqueue()
        except IntegrityError:
            continue  # another worker won this period
        enqueued.append(job.name)
        PeriodicRun.objects.filter(
            job=job.name, period_start__lt=start - max(PERIODIC_RUNS_KEPT, job.every)
        ).delete()
    return enqueued
