"""Forms of the accounts pages; they parse input, the services write."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts import services
from accord.accounts.choices import Language
from accord.accounts.models import User, validate_timezone
from accord.notifications.mail import email_queue_template
from accord.notifications.models import OutgoingEmail

log = logging.getLogger(__name__)

# Reset links are mailed at most this often per address, so the form cannot flood an inbox.
RESET_MAILS_PER_HOUR = 3

# The zones most Accord teams and their clients work in; a user's saved zone is always offered.
COMMON_TIME_ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Moscow",
    "Africa/Johannesburg",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
]


def time_zone_choices(current: str | None = None) -> list[tuple[str, str]]:
    zones = list(COMMON_TIME_ZONES)
    if current and current not in zones and current in zoneinfo.available_timezones():
        zones.append(current)
    return [(zone, zone.replace("_", " ")) for zone in zones]


class EmailAuthenticationForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address the account is known by."""

    username = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # Addresses are stored in lower case; the throttle counts them the same way.
        return self.cleaned_data["username"].strip().lower()


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new password twice); the change goes through the service."""

    def save(self, commit: bool = True) -> User:
        return services.user_password_set(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password chosen from a reset link; saved through the service."""

    def save(self, commit: bool = True) -> User:
        return services.user_password_set(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=150,
        required=False,
        help_text=_("The company or team you work for, shown next to your name."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        validators=[validate_timezone],
        help_text=_("Dates and times are shown in this zone."),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "full_name": user.full_name,
                "organisation": user.organisation,
                "language": user.language,
                "time_zone": user.time_zone,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(user.time_zone)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What uses the token, e.g. “nightly report script”."),
    )


def _recent_reset_mails(to: str) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    # Every reset link starts with the reset page's own address.
    mark = reverse("accounts:password-reset")
    return OutgoingEmail.objects.filter(to=to, created_at__gte=since, body__contains=mark).count()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Queues the reset link through the mail worker, in the account holder's language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        user = context["user"]
        if _recent_reset_mails(to_email) >= RESET_MAILS_PER_HOUR:
            # The visitor sees the usual answer; the inbox is not flooded.
            log.warning("Password reset mail to %s held back: too many in the last hour", user.pk)
            return
        path = reverse(
            "accounts:password-reset-confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        email_queue_template(
            to=to_email,
            template="accounts/email/password_reset",
            context={
                "user": user,
                "reset_url": f"{settings.BASE_URL}{path}",
                "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
            language=user.language,
        )
