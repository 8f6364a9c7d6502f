"""Forms of the review, decision, baseline and traceability pages. They parse input; the
services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core import integers
from accord.requirements.choices import Status
from accord.requirements.models import Baseline
from accord.requirements.traceability import GAPS

TEXT_WIDGET = forms.Textarea(attrs={"rows": 4})
MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists with -, links [text](https://…).")


class NumbersField(forms.Field):
    """Requirement numbers from repeated checkboxes (`?r=3&r=7`), de-duplicated, in order."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one requirement."),
        "invalid": _("“%(value)s” is not a requirement number."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        numbers: list[int] = []
        for raw in value:
            try:
                number = int(str(raw).strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": raw}
                ) from None
            # Beyond what the database holds is no requirement's number either.
            if number < 1 or not integers.fits(number):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": raw}
                )
            if number not in numbers:
                numbers.append(number)
        return numbers

    def validate(self, value: list[int]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class SubmitForm(forms.Form):
    """Put requirements before the client approvers, with a message to them."""

    r = NumbersField(
        label=_("Requirements"),
        error_messages={"required": _("Select at least one requirement to submit.")},
    )
    message = forms.CharField(
        label=_("Message to the client"),
        required=False,
        max_length=5000,
        widget=TEXT_WIDGET,
        help_text=_(
            "What the client approvers should look at, and by when. Markdown is supported."
        ),
    )


class BulkConfirmForm(forms.Form):
    """Confirm several requirements at once: only those explicitly ticked."""

    r = NumbersField(
        label=_("Requirements"),
        error_messages={"required": _("Tick the requirements you confirm.")},
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000, widget=forms.Textarea({"rows": 2})
    )

    def expected_hashes(self) -> dict[int, str]:
        """The content hash the client read for each ticked requirement (`h<number>`)."""
        return {
            number: str(self.data.get(f"h{number}", "")).strip()
            for number in self.cleaned_data.get("r", [])
        }


class DecisionForm(forms.Form):
    """Confirm, return or reject one version; the hash binds the decision to what was read."""

    expected_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=TEXT_WIDGET,
    )

    def __init__(self, *args: Any, comment_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = comment_required
        if comment_required:
            self.fields["comment"].help_text = _(
                "Required: tell the team what must change, so they can rework it."
            )
            self.fields["comment"].error_messages["required"] = _(
                "Write what must change: a comment is required."
            )
        else:
            self.fields["comment"].help_text = _("Optional.")


class BaselineForm(forms.ModelForm):
    class Meta:
        model = Baseline
        fields = ["name", "description"]
        widgets = {"description": TEXT_WIDGET}
        help_texts = {
            "name": _("e.g. “Scope as signed for phase 1”."),
            "description": MARKDOWN_HELP,
        }


class BaselineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-number", _("Newest first")),
            ("number", _("Oldest first")),
            ("name", _("Name")),
        ],
    )


class CompareForm(forms.Form):
    """Which baselines to compare: `from` a baseline number, `to` another or "current"."""

    CURRENT = "current"

    def __init__(self, *args: Any, baselines: list[Baseline], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(b.number), f"{b.key} {b.name}") for b in baselines]
        self.fields["from"] = forms.ChoiceField(label=_("From"), choices=choices)
        self.fields["to"] = forms.ChoiceField(
            label=_("To"), choices=[(self.CURRENT, _("Today (current agreed scope)")), *choices]
        )


class TraceabilityFilterForm(forms.Form):
    gap = forms.ChoiceField(
        label=_("Coverage gap"),
        required=False,
        choices=[("", _("All requirements")), *((g.name, g.label) for g in GAPS.values())],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active (all but withdrawn and rejected)")), *Status.choices],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("number", _("Key")),
            ("-number", _("Key (newest first)")),
            ("title", _("Title")),
            ("status", _("Status")),
            ("criteria", _("Fewest acceptance criteria")),
            ("-criteria", _("Most acceptance criteria")),
        ],
    )

    def filters(self) -> dict[str, str]:
        """The valid filter values; invalid ones are dropped rather than failing the page."""
        if not self.is_bound:
            return {"gap": "", "status": "", "q": "", "sort": ""}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in ("gap", "status", "q", "sort")}
