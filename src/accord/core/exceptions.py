"""Errors raised by services; views and the API turn them into user-facing messages."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused an action. `field` names the input at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None, extra: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class StaleObjectError(ApplicationError):
    """The object changed since the user loaded it; the edit is refused, not merged."""
