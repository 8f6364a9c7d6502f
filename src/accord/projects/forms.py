"""Forms of the project pages. They parse input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.projects.choices import Role
from accord.projects.models import Milestone, Project

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT_WIDGET = forms.Textarea(attrs={"rows": 4})


def apply_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def refusal_status(form: forms.BaseForm, error: ApplicationError) -> int:
    """Show a service's refusal on the form and give the page's status: 409 when someone else
    changed the object meanwhile, 400 for any other refusal."""
    apply_error(form, error)
    return 409 if isinstance(error, StaleObjectError) else 400


class VersionedForm(forms.ModelForm):
    """Carries the version the user started from, so a stale save is refused, not merged."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def changed_data_for_service(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ProjectDatesMixin:
    """The end date is checked here so the error shows on its field, not above the form."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))  # type: ignore[attr-defined]
        return data


PROJECT_WIDGETS = {
    "start_date": DATE_WIDGET,
    "end_date": DATE_WIDGET,
    "description": TEXT_WIDGET,
    "objectives": TEXT_WIDGET,
    "values": TEXT_WIDGET,
}
MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists with -, links [text](https://…).")


class ProjectCreateForm(ProjectDatesMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "key", "name", "client_name", "start_date", "end_date", "status",
            "description", "objectives", "values",
        ]  # fmt: skip
        widgets = PROJECT_WIDGETS
        help_texts = {
            "key": _("2 to 10 capital letters or digits, e.g. ACME. Items are numbered ACME-M1…"),
            "description": MARKDOWN_HELP,
            "objectives": _("What the engagement must achieve, one per line or as a list."),
            "values": _("How the team and the client work together."),
        }

    def clean_key(self) -> str:
        # Upper-cased here, before the model's key validator runs.
        return (self.cleaned_data.get("key") or "").strip().upper()


class ProjectSettingsForm(ProjectDatesMixin, VersionedForm):
    class Meta:
        model = Project
        fields = [
            "name", "client_name", "start_date", "end_date", "status",
            "description", "objectives", "values",
        ]  # fmt: skip
        widgets = PROJECT_WIDGETS
        help_texts = {"description": MARKDOWN_HELP}


class MilestoneForm(VersionedForm):
    class Meta:
        model = Milestone
        fields = ["name", "due_date", "status", "visibility", "description"]
        widgets = {"due_date": DATE_WIDGET, "description": TEXT_WIDGET}
        help_texts = {
            "visibility": _("Shared milestones are visible to the client's people."),
            "description": MARKDOWN_HELP,
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    can_approve = forms.BooleanField(
        label=_("Can approve (client signing authority)"),
        required=False,
        help_text=_("Only for client members."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("can_approve") and data.get("role") != Role.CLIENT:
            self.add_error("can_approve", _("Only client members can hold signing authority."))
        return data


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    can_approve = forms.BooleanField(label=_("Can approve"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class InvitationSignupForm(forms.Form):
    """A new account for the invited e-mail address; the address itself cannot be changed."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = get_user_model()(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
