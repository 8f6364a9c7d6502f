"""The authorization walk's part for delivery: its world and its table entries.

`build_world` creates, through the services, the objects the routes point at (with the
marker texts of tests.authorization); TABLE maps each route name to its rules, as in
tests/test_authorization_walk.py.
"""

from __future__ import annotations

from typing import Any

from tests.authorization import Rule


def build_world(*args: Any) -> dict[str, Any]:
    return {}


TABLE: dict[str, list[Rule]] = {}
