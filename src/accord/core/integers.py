"""Integers from outside, range-checked where they come in.

Ids, numbers and counts arrive in addresses, filters, forms and API bodies as text of any
length; the database holds at most 64 bits and SQLite refuses a larger value with an
OverflowError (a 500) wherever it reaches a query. Every such integer goes through one of
the pieces below, all bounded by `SMALLEST` and `LARGEST`:

- `IntegerField` and `ModelMultipleChoiceField`, form fields (pages' forms and filters): the
  form's error names the field;
- `NumberFilter` and `IdOrKeywordFilter`, for filter sets (the API answers their errors with
  400 naming the filter);
- `IntConverter`, the `<int64:…>` address converter: out of range is no match, a 404;
- `accord.api.fields.IntegerField` for API bodies, and the API views' check of their
  address arguments (`accord.api.views.ApiViewMixin`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

# A signed 64-bit column: SQLite's INTEGER and PostgreSQL's bigint.
SMALLEST = -(2**63)
LARGEST = 2**63 - 1


# Ids given together with keywords ("me", "none") are at most 18 digits: always within range,
# and a pattern the API's schema can state exactly.
ID_DIGITS = 18


def id_or_keyword_pattern(keywords: Iterable[str]) -> str:
    """The pattern of an id or one of the keywords; empty is no filter at all."""
    return f"^(?:[0-9]{{1,{ID_DIGITS}}}|{'|'.join(keywords)})?$"


def fits(value: int) -> bool:
    return SMALLEST <= value <= LARGEST


def digits_fit(text: str) -> bool:
    """Whether text is a run of ASCII digits (an address argument) naming a number the
    database can hold."""
    # A longer run is too big whatever its digits; the length check spares int() huge text.
    return (
        text.isascii()
        and text.isdigit()
        and len(text) <= len(str(LARGEST))
        and int(text) <= LARGEST
    )


def number_in(text: str) -> int | None:
    """The number a run of ASCII digits names, or None when the text is not one or names a
    number no row can have. (`str.isdigit` alone also passes "²", which int() refuses, and
    int() refuses more than 4,300 digits.)"""
    text = text.strip()
    return int(text) if digits_fit(text) else None


def numbers_in(values: Iterable[str]) -> list[int]:
    """The distinct positive numbers among texts (ticked rows of a list), in their order; text
    that is not one, or one no row can have, names nothing and is left out."""
    numbers: list[int] = []
    for value in values:
        number = number_in(value)
        if number is not None and number not in numbers:
            numbers.append(number)
    return numbers


class IntegerField(forms.IntegerField):
    """A form's whole number, at most what the database holds unless narrowed further."""

    def __init__(
        self, *, min_value: int | None = SMALLEST, max_value: int | None = LARGEST, **kwargs: Any
    ) -> None:
        super().__init__(
            min_value=SMALLEST if min_value is None else max(min_value, SMALLEST),
            max_value=LARGEST if max_value is None else min(max_value, LARGEST),
            **kwargs,
        )


class IdOrKeywordField(forms.CharField):
    """An id (at most 18 digits), or one of a few keywords (`me`, `none`), exactly as
    `id_or_keyword_pattern` states it; the cleaned value is text."""

    default_error_messages = {
        "invalid": _("Enter a whole number or one of: %(keywords)s."),
    }

    def __init__(self, *, keywords: Iterable[str] = (), **kwargs: Any) -> None:
        self.keywords = tuple(keywords)
        super().__init__(strip=False, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values or value in self.keywords:
            return value
        if value.isascii() and value.isdigit() and len(value) <= ID_DIGITS:
            return str(int(value))
        raise ValidationError(
            self.error_messages["invalid"],
            code="invalid",
            params={"keywords": ", ".join(self.keywords)},
        )


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's multiple choice of rows by id, refusing ids the database cannot hold as it
    refuses unknown ones (Django looks them all up at once, and the lookup overflowed)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            digits = str(pk).strip().removeprefix("-")
            if digits.isascii() and digits.isdigit() and not digits_fit(digits):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


INTEGER_SCHEMA = {"type": "integer", "format": "int64", "minimum": SMALLEST, "maximum": LARGEST}


@extend_schema_field(INTEGER_SCHEMA)
class NumberFilter(django_filters.NumberFilter):
    """An id or number to filter by: a whole number the database can hold, or a 400."""

    field_class = IntegerField


class IdOrKeywordFilter(django_filters.CharFilter):
    """An id or a keyword (`me`, `none`), checked before the filter method sees it; the API's
    schema states the same pattern."""

    field_class = IdOrKeywordField

    def __init__(self, *args: Any, keywords: Iterable[str] = (), **kwargs: Any) -> None:
        keywords = tuple(keywords)
        super().__init__(*args, keywords=keywords, **kwargs)
        extend_schema_field({"type": "string", "pattern": id_or_keyword_pattern(keywords)})(self)


class IntConverter:
    """`<int64:name>`: digits the database can hold; anything longer does not match (404)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if not digits_fit(value):
            raise ValueError(value)
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
