"""Writes to users and their API tokens, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import ApiToken, User
from accord.accounts.tokens import new_token
from accord.core.audit import audit_record, changes, snapshot
from accord.core.exceptions import ApplicationError

PREFERENCE_FIELDS = ["full_name", "organisation", "language", "time_zone"]


@transaction.atomic
def user_create(
    *, actor: Any, email: str, full_name: str, password: str | None = None, **extra: Any
) -> User:
    """Create an account; e-mail addresses are unique regardless of case."""
    email = (email or "").strip().lower()
    if not email:
        raise ApplicationError(_("Enter an e-mail address."), field="email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(_("Enter a valid e-mail address."), field="email") from exc
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError(_("An account with this e-mail address exists."), field="email")
    user = User.objects.create_user(email=email, password=password, full_name=full_name, **extra)
    audit_record(
        actor=actor,
        action="user.created",
        target=user,
        after={"email": user.email, "full_name": user.full_name},
    )
    return user


@transaction.atomic
def user_update_preferences(*, actor: Any, user: User, **data: Any) -> User:
    """Name, organisation, language and time zone of one user."""
    unknown = set(data) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(user, PREFERENCE_FIELDS)
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    old, new = changes(before, snapshot(user, PREFERENCE_FIELDS))
    if new:
        user.save(update_fields=list(new))
        audit_record(
            actor=actor, action="user.preferences_changed", target=user, before=old, after=new
        )
    return user


@transaction.atomic
def user_password_set(*, actor: Any, user: User, password: str) -> User:
    """Set a new password (changed or reset); audited without the secret.

    Sign-in lock-outs of the account are lifted: whoever proved control of the account
    (old password or reset link) may sign in with the new password at once.
    """
    from axes.utils import reset as axes_reset

    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_changed", target=user)
    axes_reset(username=user.email)
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token; the plain secret is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(
            _("Give the token a name, e.g. the script that uses it."), field="name"
        )
    plain, prefix, digest = new_token()
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix, digest=digest)
    audit_record(
        actor=user,
        action="api_token.created",
        target=token,
        after={"name": token.name, "prefix": prefix},
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != user.pk:
        raise ApplicationError(_("Not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=user, action="api_token.revoked", target=token, after={"prefix": token.prefix}
        )
    return token
