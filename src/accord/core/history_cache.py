"""Values derived from a project's records, reused until the project's history grows.

Every write to a project's content appends to its audit chain, so the hash of the chain's newest
record identifies the state those values were computed from. Keys also carry what else the value
depends on (the audience, the day); names of people may lag by at most the timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

from accord.core.audit import chain_head_hash

T = TypeVar("T")
TIMEOUT_SECONDS = 600


def remember(project_id: int, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, or its earlier result for the same key and the same project history."""
    full_key = f"history:{project_id}:{key}:{chain_head_hash(project_id)}"
    value: Any = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, TIMEOUT_SECONDS)
    return value
