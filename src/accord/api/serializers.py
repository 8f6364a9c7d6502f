"""A ModelSerializer that works out its fields from the model once per class."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with its fields introspected once per class, not per instance.

    DRF builds a model serializer's fields from the model's meta every time one is made (an
    API write makes two: input and output). They depend only on the class, so the first
    instance keeps them and later ones get a deep copy, which re-creates each field from its
    arguments without the introspection. Subclasses whose fields depend on the instance or
    its context must not use this class.
    """

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        fields = cls.__dict__.get("_fields_of_class")
        if fields is None:
            fields = super().get_fields()
            cls._fields_of_class = fields
        return copy.deepcopy(fields)
