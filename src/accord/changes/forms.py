"""Forms of the change control pages. They parse input; the services decide and write.

The redline is a formset, one form per line. A line names its requirement by number (chosen
from a list in small projects, typed as "R12" in big ones); the view resolves the numbers among
the requirements the user may see. Acceptance criteria are typed one per line; a line shaped
"Given … when … then …" (or 假如 … 当 … 那么 …) stays a Given / When / Then criterion.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.changes.choices import Decision, ItemAction
from accord.changes.models import ChangeItem, ChangeRequest, ScheduleImpact
from accord.core import integers
from accord.projects.forms import MARKDOWN_HELP
from accord.requirements.choices import CriterionStyle, Priority

TEXT = forms.Textarea(attrs={"rows": 3})
# Below this many requirements a line chooses from a list; above, the number is typed.
REQUIREMENT_SELECT_LIMIT = 500

_GHERKIN = (
    re.compile(
        r"^\s*given\s+(?P<given>.+?)\s+when\s+(?P<when>.+?)\s+then\s+(?P<then>.+?)\s*$", re.I
    ),
    re.compile(r"^\s*假如\s*(?P<given>.+?)\s*当\s*(?P<when>.+?)\s*那么\s*(?P<then>.+?)\s*$"),
)
_NUMBER = re.compile(r"^(?:[A-Za-z0-9]+-)?[Rr]?(\d{1,9})$")


def parse_requirement_number(value: str | None) -> int | None:
    """A requirement's number as people type it: "12", "R12" or "ACME-R12"."""
    match = _NUMBER.match((value or "").strip())
    return int(match.group(1)) if match else None


def parse_criteria(text: str) -> list[dict[str, str]]:
    """One criterion per non-blank line; Given / When / Then lines stay structured."""
    criteria: list[dict[str, str]] = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        for pattern in _GHERKIN:
            match = pattern.match(line)
            if match:
                criteria.append({"style": CriterionStyle.GHERKIN, **match.groupdict()})
                break
        else:
            criteria.append({"style": CriterionStyle.FREE, "text": line})
    return criteria


def criteria_text(criteria: list[dict[str, Any]] | None) -> str:
    """The inverse of `parse_criteria`, for prefilling the text box."""
    lines = []
    for criterion in criteria or []:
        if criterion.get("style") == CriterionStyle.GHERKIN:
            given, when, then = (
                " ".join(str(criterion.get(name, "")).split()) for name in ("given", "when", "then")
            )
            lines.append(f"Given {given} when {when} then {then}")
        else:
            lines.append(" ".join(str(criterion.get("text", "")).split()))
    return "\n".join(lines)


def _risk_label(risk: Any) -> str:
    return f"{risk.key} {risk.title}"


class ChangeForm(forms.ModelForm):
    """What the change is and why. The team also names the risks it came from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ChangeRequest
        fields = [
            "title", "type", "urgency", "reason", "background", "source_reference",
            "source_risks",
        ]  # fmt: skip
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 4}),
            "background": forms.Textarea(attrs={"rows": 4}),
            "source_risks": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "background": MARKDOWN_HELP,
            "source_risks": _("The risks this change answers, if any."),
        }
        field_classes = {"source_risks": integers.ModelMultipleChoiceField}

    def __init__(self, *args: Any, risks: Any = None, team: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        if team and risks is not None:
            self.fields["source_risks"].queryset = risks
            self.fields["source_risks"].label_from_instance = lambda risk: (
                f"{risk.key} {risk.title}"
            )
        else:
            del self.fields["source_risks"]

    def fields_for_service(self) -> dict[str, Any]:
        skip = {"version", "source_risks"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class ItemForm(forms.Form):
    """One line of the redline."""

    action = forms.ChoiceField(
        label=_("What to do"), choices=ItemAction.choices, initial=ItemAction.MODIFY
    )
    requirement = forms.CharField(
        label=_("Requirement"),
        required=False,
        help_text=_("The requirement to change or withdraw, e.g. R12. Empty when adding one."),
    )
    title = forms.CharField(label=_("Proposed title"), required=False, max_length=300)
    background = forms.CharField(label=_("Proposed background"), required=False, widget=TEXT)
    description = forms.CharField(
        label=_("Proposed description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    priority = forms.ChoiceField(
        label=_("Proposed priority"), choices=Priority.choices, initial=Priority.SHOULD
    )
    criteria = forms.CharField(
        label=_("Proposed acceptance criteria"),
        required=False,
        widget=TEXT,
        help_text=_("One per line. “Given … when … then …” lines stay Given / When / Then."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=ChangeItem._meta.get_field("note").max_length,
        help_text=_("Why this line; shown next to it."),
    )

    def __init__(self, *args: Any, requirement_choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if requirement_choices is not None:
            self.fields["requirement"].widget = forms.Select(
                choices=[("", _("— a new requirement —"))]
                + [(str(number), label) for number, label in requirement_choices]
            )
        else:
            self.fields["requirement"].widget.attrs.update(placeholder="R12")

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            str(data.get(name) or "").strip()
            for name in ("requirement", "title", "background", "description", "criteria", "note")
        )

    def clean_requirement(self) -> int | None:
        value = (self.cleaned_data.get("requirement") or "").strip()
        if not value:
            return None
        number = parse_requirement_number(value)
        if number is None:
            raise forms.ValidationError(_("Enter a requirement number such as R12."))
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_blank:
            return data
        action = data.get("action")
        if action == ItemAction.ADD:
            if data.get("requirement"):
                self.add_error(
                    "requirement", _("A new requirement has no number yet; leave this empty.")
                )
            if not (data.get("title") or "").strip():
                self.add_error("title", _("A new requirement needs at least a title."))
        elif action in (ItemAction.MODIFY, ItemAction.WITHDRAW) and not data.get("requirement"):
            self.add_error("requirement", _("Choose the requirement this line is about."))
        return data

    def proposed(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": (data.get("title") or "").strip(),
            "background": data.get("background") or "",
            "description": data.get("description") or "",
            "priority": data.get("priority") or Priority.SHOULD,
            "acceptance_criteria": parse_criteria(data.get("criteria") or ""),
        }


class BaseItemFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, requirement_choices: Any = None, **kwargs: Any) -> None:
        self.requirement_choices = requirement_choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"requirement_choices": self.requirement_choices}

    def used_forms(self) -> list[tuple[int, ItemForm]]:
        """(line number, form) of the lines to keep, in page order."""
        used = []
        for form in self.forms:
            if self._should_delete_form(form) or form.is_blank:
                continue
            used.append((len(used) + 1, form))
        return used


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=1, can_delete=True, max_num=200, validate_max=True
)


def item_initial(item: ChangeItem) -> dict[str, Any]:
    proposed = item.proposed or {}
    return {
        "action": item.action,
        "requirement": str(item.requirement.number) if item.requirement_id else "",
        "title": proposed.get("title", ""),
        "background": proposed.get("background", ""),
        "description": proposed.get("description", ""),
        "priority": proposed.get("priority") or Priority.SHOULD,
        "criteria": criteria_text(proposed.get("acceptance_criteria")),
        "note": item.note,
    }


class AssessForm(forms.ModelForm):
    """The team's assessment: effort, cost, the impact in words and the new risks."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ChangeRequest
        fields = ["effort_days", "cost", "cost_currency", "assessment", "new_risks"]
        widgets = {
            "effort_days": forms.NumberInput(attrs={"min": 0, "step": "0.5"}),
            "cost": forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
            "cost_currency": forms.TextInput(attrs={"maxlength": 3, "size": 4}),
            "assessment": forms.Textarea(attrs={"rows": 5}),
            "new_risks": forms.CheckboxSelectMultiple,
        }
        help_texts = {"new_risks": _("Risks the change brings; record them in the register first.")}
        field_classes = {"new_risks": integers.ModelMultipleChoiceField}

    def __init__(self, *args: Any, risks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        self.fields["new_risks"].queryset = risks
        self.fields["new_risks"].label_from_instance = _risk_label

    def clean_cost_currency(self) -> str:
        return (self.cleaned_data.get("cost_currency") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("cost") is not None and not data.get("cost_currency"):
            self.add_error("cost_currency", _("Name the currency of the cost, e.g. CNY."))
        currency = data.get("cost_currency")
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            self.add_error("cost_currency", _("Three letters, e.g. CNY, EUR or USD."))
        return data

    def fields_for_service(self) -> dict[str, Any]:
        skip = {"version", "new_risks"}
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


class ScheduleForm(forms.Form):
    """How far one milestone moves."""

    milestone = forms.ModelChoiceField(label=_("Milestone"), queryset=None, required=False)
    shift_days = forms.IntegerField(
        label=_("Shift (days)"),
        required=False,
        min_value=-3650,
        max_value=3650,
        help_text=_("Positive: later; negative: earlier."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=ScheduleImpact._meta.get_field("note").max_length,
    )

    def __init__(self, *args: Any, milestones: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["milestone"]
        field.queryset = milestones
        field.label_from_instance = lambda m: f"{m.key} {m.name} ({m.due_date:%Y-%m-%d})"
        field.empty_label = _("— choose a milestone —")

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("milestone") is None and data.get("shift_days") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_blank:
            return data
        if data.get("milestone") is None:
            self.add_error("milestone", _("Choose the milestone that moves."))
        if data.get("shift_days") is None and "shift_days" not in self.errors:
            self.add_error("shift_days", _("How many days it moves."))
        return data


class BaseScheduleFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, milestones: Any, **kwargs: Any) -> None:
        self.milestones = milestones
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"milestones": self.milestones}

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            milestone = getattr(form, "cleaned_data", {}).get("milestone")
            if milestone is None or self._should_delete_form(form):
                continue
            if milestone.pk in seen:
                raise forms.ValidationError(
                    _("%(key)s is named twice; give each milestone one shift.")
                    % {"key": milestone.key}
                )
            seen.add(milestone.pk)

    def entries(self) -> list[dict[str, Any]]:
        return [
            {
                "milestone": form.cleaned_data["milestone"],
                "shift_days": form.cleaned_data["shift_days"],
                "note": form.cleaned_data.get("note", ""),
            }
            for form in self.forms
            if not self._should_delete_form(form) and not form.is_blank
        ]


ScheduleFormSet = forms.formset_factory(
    ScheduleForm, formset=BaseScheduleFormSet, extra=2, can_delete=True, max_num=100
)


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history with the step."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DecideForm(forms.Form):
    """An approver's decision on exactly the content they saw (its hash)."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you reject: say why."),
    )
    expected_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == Decision.REJECTED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why you reject the change request."))
        return data


class ApplyForm(forms.Form):
    record_baseline = forms.BooleanField(
        label=_("Record a new baseline of the agreed scope"), required=False, initial=True
    )
    baseline_name = forms.CharField(
        label=_("Baseline name"),
        required=False,
        max_length=200,
        help_text=_("Leave empty for a name after the change request."),
    )
    create_tasks = forms.BooleanField(
        label=_("Create a task for each added or changed requirement"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PolicyForm(forms.Form):
    require_manager = forms.BooleanField(
        label=_("The project manager must approve"), required=False
    )
    client_approvals = forms.IntegerField(
        label=_("Client approvers who must approve"),
        min_value=0,
        max_value=20,
        help_text=_("Client members with signing authority; 0 for none."),
    )
    board = integers.ModelMultipleChoiceField(
        label=_("Change board"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members whose approval counts toward the board's number."),
    )
    board_approvals = forms.IntegerField(
        label=_("Board members who must approve"), min_value=0, max_value=20
    )
    allow_self_approval = forms.BooleanField(
        label=_("The requester may approve their own request"), required=False
    )
    decision_days = forms.IntegerField(
        label=_("Days to decide"),
        min_value=1,
        max_value=90,
        help_text=_("Approvers are reminded once a request waits longer."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = members
        self.fields["board"].label_from_instance = lambda user: user.full_name or user.email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        board, needed = data.get("board"), data.get("board_approvals")
        if board is not None and needed and needed > len(board):
            self.add_error(
                "board_approvals", _("The board has fewer members than approvals needed.")
            )
        if (
            not data.get("require_manager")
            and data.get("client_approvals") == 0
            and data.get("board_approvals") == 0
        ):
            self.add_error(None, _("Someone must approve: choose at least one kind of approver."))
        return data
