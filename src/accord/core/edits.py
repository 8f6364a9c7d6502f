"""Helpers every service uses to apply an edit: allowed fields, model validation, and the
optimistic-locking check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accord.core.exceptions import ApplicationError, StaleObjectError


def validate_model(instance: Any, exclude: list[str] | None = None) -> None:
    """Run model validation and turn the first error into an ApplicationError on its field."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(
            messages[0],
            field=None if field == "__all__" else field,
            extra={"errors": exc.message_dict},
        ) from exc


def check_version(instance: Any, expected: int | None) -> None:
    if expected is not None and instance.version != expected:
        raise StaleObjectError(
            _(
                "Someone else changed this %(object)s while you were editing it. "
                "Reload the page to see their changes, then apply yours again."
            )
            % {"object": instance._meta.verbose_name}
        )


def apply_fields(instance: Any, data: dict[str, Any], allowed: list[str] | tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in data.items():
        setattr(instance, name, value)


def date_value(value: Any, field: str) -> dt.date | None:
    """A date from a form, the API or a caller (date, datetime or ISO text); blank is None;
    anything else is refused on `field`."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ApplicationError(_("Enter a valid date."), field=field)
    return parsed


def choice_value(value: Any, choices: type, field: str, message: str) -> str:
    """`value` when it is one of the choices' values, else refused on `field`."""
    if value not in choices.values:
        raise ApplicationError(message, field=field)
    return value


def user_or_none(actor: Any) -> Any:
    """The actor when it is a signed-in user (system actions have none), for author fields."""
    return actor if getattr(actor, "is_authenticated", False) else None
