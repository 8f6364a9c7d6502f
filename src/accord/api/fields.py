"""Serializer fields that range-check what comes in (see `accord.core.integers`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accord.core.integers import LARGEST, SMALLEST


class IntegerField(serializers.IntegerField):
    """A whole number of an API body, at most what the database holds unless narrowed further;
    beyond it the answer is a 400 naming the field, and the schema states the bounds."""

    def __init__(self, **kwargs: Any) -> None:
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        kwargs["min_value"] = SMALLEST if low is None else max(low, SMALLEST)
        kwargs["max_value"] = LARGEST if high is None else min(high, LARGEST)
        super().__init__(**kwargs)
