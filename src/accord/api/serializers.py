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

    def include_extra_kwargs(
        self, kwargs: dict[str, Any], extra_kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        # DRF drops `allow_blank` from read-only fields; a choice field that may be blank (a
        # requirement's quality attribute) then promises only its choices in the schema while
        # answering "". Keeping it makes the schema admit the blank it serves.
        blank = "choices" in kwargs and kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank:
            kwargs["allow_blank"] = True
        return kwargs

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        fields = cls.__dict__.get("_fields_of_class")
        if fields is None:
            fields = super().get_fields()
            cls._fields_of_class = fields
        return copy.deepcopy(fields)
