"""Sign-in and sign-out, password change and reset, profile, language and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts import services
from accord.accounts.choices import Language
from accord.accounts.forms import (
    ApiTokenCreateForm,
    EmailAuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    SetPasswordForm,
)
from accord.accounts.models import ApiToken
from accord.core.exceptions import ApplicationError

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax"
    )


def _add_errors(form, exc: Exception) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    if isinstance(exc, ApplicationError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); says goodbye on the sign-in page."""

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.info(request, _("You have signed out."))
        return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")
    success_message = gettext_lazy("Your password has been changed.")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the language; a signed-in user's choice is saved to the profile."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if language in Language.values:
        if request.user.is_authenticated:
            try:
                services.user_update_preferences(
                    actor=request.user, user=request.user, language=language
                )
            except (ApplicationError, ValidationError):
                # An incomplete profile cannot be saved; say so instead of failing the page.
                messages.warning(
                    request, _("The language could not be saved: please complete your profile.")
                )
        _remember_language(response, language)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Name, organisation, language and time zone of the signed-in user."""
    user = request.user
    form = ProfileForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_preferences(actor=user, user=user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            user.refresh_from_db()
            _add_errors(form, exc)
        else:
            # Say it in the language just chosen: that is the language of the next page.
            with translation.override(user.language):
                messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            _remember_language(response, user.language)
            return response
    return render(request, "accounts/profile.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; a new token's secret is shown in this response only."""
    form = ApiTokenCreateForm(request.POST or None)
    created = plain = None
    if request.method == "POST" and form.is_valid():
        try:
            created, plain = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            _add_errors(form, exc)
        else:
            form = ApiTokenCreateForm()
    token_list = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": token_list, "created": created, "plain": plain},
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then revoke one of the user's own tokens; other people's tokens are 404."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if not token.is_active:
        messages.info(request, _("This token was already revoked."))
        return redirect("accounts:tokens")
    if request.method == "POST":
        services.api_token_revoke(user=request.user, token=token)
        messages.success(
            request, _("The token “%(name)s” has been revoked.") % {"name": token.name}
        )
        return redirect("accounts:tokens")
    return render(request, "accounts/token_revoke.html", {"token": token})
