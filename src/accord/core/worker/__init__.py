"""The worker layer of `accord worker`, on top of django-tasks and django-tasks-db.

Apps register with it in their `AppConfig.ready()` and never import the worker loop:

- `register_periodic(name, every=…, task=…)`: a task run once per period by one worker.
- `register_recovery(name, hook)`: release rows a dead worker held (e-mail being sent).
- `current_worker_id()`: the id to store on a row a job holds while it works on it.
- `when_database_answers(action)`: run `action`, waiting out a database outage (for a job's
  last write after an outside effect that must not be repeated).
"""

from accord.core.worker.registry import register_periodic, register_recovery
from accord.core.worker.runner import current_worker_id, when_database_answers

__all__ = ["current_worker_id", "register_periodic", "register_recovery", "when_database_answers"]
