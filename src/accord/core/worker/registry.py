"""What later apps register with the worker layer, in their `AppConfig.ready()`.

- Periodic jobs: a django-tasks task enqueued once per period by whichever worker gets there
  first (`register_periodic`).
- Recovery hooks: an app that marks its own rows as being worked on by a worker (e-mail
  "sending") releases them when that worker is dead (`register_recovery`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class RecoveryHook(Protocol):
    def __call__(self, *, live_workers: frozenset[str], claimed_before: dt.datetime) -> int:
        """Release what a worker not in `live_workers` claimed before `claimed_before` (give it
        back to the queue); return how many items were released."""


@dataclass(frozen=True)
class PeriodicJob:
    """A task enqueued once per period of length `every`, periods counted from the Unix epoch
    (an hourly job's period starts on the hour, UTC)."""

    name: str
    every: dt.timedelta
    task: Any  # a django_tasks Task without arguments


PERIODIC_JOBS: dict[str, PeriodicJob] = {}
RECOVERY_HOOKS: dict[str, RecoveryHook] = {}


def register_periodic(name: str, *, every: dt.timedelta, task: Any) -> None:
    """Have the workers enqueue `task` once per period `every` (at least a minute)."""
    if every < dt.timedelta(minutes=1):
        raise ValueError(f"Periodic job {name!r}: a period is at least a minute.")
    PERIODIC_JOBS[name] = PeriodicJob(name=name, every=every, task=task)


def register_recovery(name: str, hook: Callable[..., int]) -> None:
    """Call `hook(live_workers=…, claimed_before=…)` whenever a worker recovers dead workers'
    work (at start and then every few seconds)."""
    RECOVERY_HOOKS[name] = hook
