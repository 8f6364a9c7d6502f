"""Forms of the risk pages. They parse input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.projects.choices import EDITOR_ROLES
from accord.projects.forms import DATE_WIDGET, VersionedForm
from accord.projects.models import Project
from accord.risks.choices import Impact, Probability, RiskStatus
from accord.risks.models import ResponseAction, Risk

TEXT = forms.Textarea(attrs={"rows": 3})
SCALE_HELP = {
    "probability": _("How likely it is to happen, 1 (rare) to 5 (almost certain)."),
    "impact": _("What it would do to the project, 1 (negligible) to 5 (severe)."),
}


def owner_queryset(project: Project) -> Any:
    """People who can own a risk or an action: the project's team (managers and members)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__project=project, memberships__role__in=EDITOR_ROLES, is_active=True
        )
        .order_by("full_name", "email")
        .distinct()
    )


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


def _scale_field(name: str, choices: Any, label: Any) -> forms.TypedChoiceField:
    """A 1–5 scale as radio buttons, each level with its meaning."""
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        help_text=SCALE_HELP[name],
    )


class RiskForm(VersionedForm):
    """All fields of a risk. The visibility is offered to the project manager only; the owner
    is chosen among the team."""

    probability = _scale_field("probability", Probability.choices, _("Probability"))
    impact = _scale_field("impact", Impact.choices, _("Impact"))

    class Meta:
        model = Risk
        fields = [
            "title", "category", "cause", "event", "consequence", "probability", "impact",
            "strategy", "trigger", "owner", "status", "visibility",
        ]  # fmt: skip
        widgets = {"cause": TEXT, "event": TEXT, "consequence": TEXT, "trigger": TEXT}
        help_texts = {
            "visibility": _("Shared risks are visible to the client's people."),
        }

    def __init__(self, *args: Any, project: Project, can_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        self.fields["owner"] = OwnerField(
            queryset=owner_queryset(project),
            required=False,
            label=owner.label,
            empty_label=_("— nobody yet —"),
            help_text=_("The team member who watches the risk and drives its response."),
        )
        if not can_share:
            del self.fields["visibility"]
        else:
            self.fields["visibility"].choices = Visibility.choices

    def fields_for_service(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class RiskReviewForm(forms.Form):
    """A periodic review: the risk's probability and impact now, its status and a note."""

    probability = _scale_field("probability", Probability.choices, _("Probability"))
    impact = _scale_field("impact", Impact.choices, _("Impact"))
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What changed since the last review and why."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The widgets' ids must not clash with the edit form's on the same page.
        self.auto_id = "review-%s"


class ResponseActionForm(forms.ModelForm):
    """A new step of the response plan."""

    class Meta:
        model = ResponseAction
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": DATE_WIDGET}

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.auto_id = "action-%s"
        self.fields["owner"] = OwnerField(
            queryset=owner_queryset(project),
            required=False,
            label=_("Owner"),
            empty_label=_("— the risk's owner —"),
        )
        self.fields["description"].widget = forms.TextInput(
            attrs={"maxlength": ResponseAction._meta.get_field("description").max_length}
        )


class ActionCompleteForm(forms.Form):
    done = forms.BooleanField(required=False)


class VersionOnlyForm(forms.Form):
    """Confirmation of a destructive action on the version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ThresholdsForm(forms.Form):
    """Where the medium, high and critical levels start on the 1–25 score."""

    medium_from = forms.IntegerField(
        label=_("Medium from score"), min_value=2, max_value=25, widget=forms.NumberInput()
    )
    high_from = forms.IntegerField(label=_("High from score"), min_value=2, max_value=25)
    critical_from = forms.IntegerField(label=_("Critical from score"), min_value=2, max_value=25)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        medium, high, critical = (
            data.get("medium_from"),
            data.get("high_from"),
            data.get("critical_from"),
        )
        if medium is not None and high is not None and high <= medium:
            self.add_error("high_from", _("High must start above medium."))
        if high is not None and critical is not None and critical <= high:
            self.add_error("critical_from", _("Critical must start above high."))
        return data
