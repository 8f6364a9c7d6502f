"""How django-axes names the account a failed sign-in was aimed at."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The e-mail address, trimmed and lower-cased.

    E-mail sign-in ignores case, so the failure counter must too: otherwise `Alice@…`,
    `ALICE@…` and `alice@…` would each get their own allowance of guesses.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    elif request is None:
        value = None
    else:
        value = getattr(request, "data", request.POST).get(field)
    return (value or "").strip().lower()
