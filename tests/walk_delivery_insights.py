"""The authorization walk's table entries for delivery insights routes (the objects come from the
domain's tests/walk_<domain>.py world; see tests/test_authorization_walk.py)."""

from __future__ import annotations

from tests.authorization import Rule

TABLE: dict[str, list[Rule]] = {}
