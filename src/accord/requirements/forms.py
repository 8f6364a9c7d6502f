"""Forms of the requirement pages. They parse input; the services decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.projects.forms import MARKDOWN_HELP, VersionedForm
from accord.requirements.choices import CriterionStyle, RequirementType
from accord.requirements.filters import parse_number
from accord.requirements.models import AcceptanceCriterion, Requirement, RequirementVersion, Tag

# Below this many candidates the parent is chosen from a list; above, typed as a number.
PARENT_SELECT_LIMIT = 500
# Commas in English and Chinese, and the Chinese enumeration comma.
TAG_SEPARATORS = re.compile(r"[,，、]")
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length
SHORT_TEXT = forms.Textarea(attrs={"rows": 2})


def split_tags(value: str) -> list[str]:
    """Comma-separated names, trimmed, empty ones dropped, each once in the order typed."""
    names: list[str] = []
    for raw in TAG_SEPARATORS.split(value or ""):
        name = " ".join(raw.split())
        if name and name not in names:
            names.append(name)
    return names


class RequirementForm(VersionedForm):
    """All fields of a requirement. The parent arrives as a number and is resolved by the view
    among the requirements the user can see; the service refuses unknown parents and cycles."""

    parent = forms.CharField(
        label=_("Parent requirement"),
        required=False,
        help_text=_("The epic or requirement this one details, e.g. R12. Leave empty at the top."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. billing, mobile. New tags are created."),
    )
    note = forms.CharField(
        label=_("Change note"),
        required=False,
        max_length=RequirementVersion._meta.get_field("note").max_length,
        help_text=_("What changed and why; shown in the version history."),
    )

    class Meta:
        model = Requirement
        fields = [
            "title", "background", "description", "type", "quality_attribute", "priority",
            "business_value", "effort_days", "source", "source_stakeholder", "source_reference",
        ]  # fmt: skip
        widgets = {
            "background": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "business_value": forms.NumberInput(attrs={"min": 1, "max": 10}),
            "effort_days": forms.NumberInput(attrs={"min": 0, "step": "0.5"}),
        }
        help_texts = {
            "description": MARKDOWN_HELP,
            "quality_attribute": _(
                "Only for non-functional requirements: which quality it is about. Leave empty "
                "for the other types."
            ),
        }

    def __init__(
        self,
        *args: Any,
        parent_choices: list[tuple[int, str]] | None = None,
        tag_names: list[str] | None = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tag_names = tag_names or []
        # The model's validators say 1 to 10; the form field's own minimum says 0.
        self.fields["business_value"].widget.attrs["min"] = 1
        if parent_choices is not None:
            self.fields["parent"].widget = forms.Select(
                choices=[("", _("— none (top level) —"))]
                + [(str(number), label) for number, label in parent_choices]
            )
            self.fields["parent"].help_text = _("The epic or requirement this one details.")
        else:
            self.fields["parent"].widget.attrs.update(placeholder="R12", inputmode="text")
        self.fields["tags"].widget.attrs.update(list="requirement-tag-options", autocomplete="off")
        if not editing:
            del self.fields["note"]
        instance = self.instance
        if instance.pk and not self.is_bound:
            if instance.parent_id:
                self.initial["parent"] = str(instance.parent.number)
            self.initial["tags"] = ", ".join(getattr(instance, "tag_names", []))

    def clean_parent(self) -> int | None:
        value = (self.cleaned_data.get("parent") or "").strip()
        if not value:
            return None
        number = parse_number(value)
        if number is None:
            raise forms.ValidationError(_("Enter a requirement number such as R12."))
        if self.instance.pk and number == self.instance.number:
            raise forms.ValidationError(_("A requirement cannot be its own parent."))
        return number

    def clean_tags(self) -> list[str]:
        names = split_tags(self.cleaned_data.get("tags", ""))
        too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                _("A tag has at most %(max)d characters: %(tag)s")
                % {"max": TAG_MAX_LENGTH, "tag": too_long[0]}
            )
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The quality attribute only qualifies non-functional requirements; the service has the
        # last word, this shows the error on the field before anything is sent.
        if data.get("quality_attribute") and data.get("type") != RequirementType.NON_FUNCTIONAL:
            self.add_error(
                "quality_attribute",
                _("Only non-functional requirements have a quality attribute."),
            )
        return data

    def fields_for_service(self) -> dict[str, Any]:
        """The requirement's own fields (parent still a number; tags and note apart)."""
        skip = {"version", "tags", "note", "parent"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class CriterionForm(forms.Form):
    """One acceptance criterion: free text, or Given / When / Then."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    style = forms.ChoiceField(
        label=_("Style"), choices=CriterionStyle.choices, initial=CriterionStyle.FREE
    )
    text = forms.CharField(label=_("Criterion"), required=False, widget=SHORT_TEXT)
    given = forms.CharField(label=_("Given"), required=False, widget=SHORT_TEXT)
    when = forms.CharField(label=_("When"), required=False, widget=SHORT_TEXT)
    then = forms.CharField(label=_("Then"), required=False, widget=SHORT_TEXT)

    TEXT_FIELDS = ("text", "given", "when", "then")

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(name) or "").strip() for name in self.TEXT_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_blank:
            # An empty extra row is simply not used; an emptied existing one must be deleted.
            if data.get("id"):
                self.add_error("text", _("Write the criterion, or tick “Delete” to remove it."))
            return data
        if data.get("style") == CriterionStyle.GHERKIN:
            for name in ("given", "when", "then"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Given, When and Then are all needed."))
        elif not (data.get("text") or "").strip():
            self.add_error("text", _("Write the criterion, or choose Given / When / Then."))
        return data

    def as_service_item(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {"style": data["style"]}
        if data["style"] == CriterionStyle.GHERKIN:
            item.update(given=data["given"], when=data["when"], then=data["then"], text="")
        else:
            item.update(text=data["text"], given="", when="", then="")
        if data.get("id"):
            item["id"] = data["id"]
        return item


class BaseCriterionFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, known_ids: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_ids = known_ids or set()

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            criterion_id = getattr(form, "cleaned_data", {}).get("id")
            # An id that is not one of this requirement's criteria was tampered with.
            if criterion_id and criterion_id not in self.known_ids:
                raise forms.ValidationError(
                    _("An acceptance criterion is not of this requirement.")
                )

    def items(self) -> list[dict[str, Any]]:
        """The criteria to keep, in the chosen order, as the services take them."""
        return [
            form.as_service_item()
            for form in self.ordered_forms
            if not self._should_delete_form(form) and not form.is_blank
        ]


CriterionFormSet = forms.formset_factory(
    CriterionForm,
    formset=BaseCriterionFormSet,
    extra=3,
    can_delete=True,
    can_order=True,
    max_num=100,
    validate_max=True,
)


def criteria_initial(criteria: list[AcceptanceCriterion]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "style": c.style,
            "text": c.text,
            "given": c.given,
            "when": c.when,
            "then": c.then,
        }
        for c in criteria
    ]


class BulkActionForm(forms.Form):
    """The bulk bar under the requirements list."""

    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    SUBMIT = "submit"

    action = forms.ChoiceField(
        label=_("With the selected requirements"),
        choices=(
            (ADD_TAG, _("Add tag")),
            (REMOVE_TAG, _("Remove tag")),
            (SUBMIT, _("Submit for client review")),
        ),
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=TAG_MAX_LENGTH)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") in (self.ADD_TAG, self.REMOVE_TAG):
            data["tag"] = " ".join((data.get("tag") or "").split())
            if not data["tag"]:
                self.add_error("tag", _("Name the tag to add or remove."))
        return data
