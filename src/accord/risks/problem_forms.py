"""Forms of the problem pages. They parse input; the problem services decide and write."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accord.changes.models import ChangeRequest
from accord.core.choices import Visibility
from accord.projects.forms import DATE_WIDGET, VersionedForm
from accord.projects.models import Project
from accord.requirements.models import Requirement
from accord.risks.forms import OwnerField, owner_queryset
from accord.risks.models import Problem

TEXT = forms.Textarea(attrs={"rows": 4})
# "R12", "r12", "ACME-R12" or "12": a requirement number as people type it.
REQUIREMENT_NUMBER = re.compile(r"^(?:[A-Za-z0-9]+-)?[Rr]?(\d{1,9})$")
# "CR3", "cr3", "ACME-CR3" or "3": a change request number as people type it.
CHANGE_REQUEST_NUMBER = re.compile(r"^(?:[A-Za-z0-9]+-)?(?:[Cc][Rr])?(\d{1,9})$")
# More than this many affected requirements is a typing accident, not a problem's scope.
MAX_REQUIREMENTS = 100
# Likewise for the change requests that came from one problem.
MAX_CHANGE_REQUESTS = 50


def parse_requirement_numbers(
    value: str, pattern: re.Pattern[str] = REQUIREMENT_NUMBER
) -> tuple[list[int], list[str]]:
    """The numbers in "R12, R14 ACME-R3" in the order typed (each once), and the words that
    are not requirement numbers (or numbers of `pattern`'s kind)."""
    numbers: list[int] = []
    bad: list[str] = []
    for word in re.split(r"[\s,;]+", value or ""):
        if not word:
            continue
        match = pattern.match(word)
        if match is None:
            bad.append(word)
            continue
        number = int(match.group(1))
        if number not in numbers:
            numbers.append(number)
    return numbers, bad


def requirement_keys(requirements: Any) -> str:
    """The form's text for a set of requirements: "R3, R12"."""
    return ", ".join(f"R{number}" for number in sorted(r.number for r in requirements))


def change_request_keys(change_requests: Any) -> str:
    """The form's text for a set of change requests: "CR3, CR5"."""
    return ", ".join(f"CR{number}" for number in sorted(c.number for c in change_requests))


class ProblemForm(VersionedForm):
    """All fields of a problem. The affected requirements are typed as their numbers ("R12,
    R14") and looked up among the requirements of the project the user can see; the
    visibility is offered to the project manager only."""

    requirement_numbers = forms.CharField(
        label=_("Affected requirements"),
        required=False,
        max_length=2000,
        help_text=_("Requirement numbers separated by commas, for example R12, R14."),
        widget=forms.TextInput(attrs={"placeholder": _("R12, R14")}),
    )
    change_request_numbers = forms.CharField(
        label=_("Change requests"),
        required=False,
        max_length=2000,
        help_text=_(
            "Change requests that came from the problem, separated by commas, for example CR3, CR5."
        ),
        widget=forms.TextInput(attrs={"placeholder": _("CR3, CR5")}),
    )

    class Meta:
        model = Problem
        fields = [
            "title", "description", "impact", "root_cause", "solution", "owner", "due_date",
            "status", "visibility",
        ]  # fmt: skip
        widgets = {
            "description": TEXT,
            "impact": TEXT,
            "root_cause": TEXT,
            "solution": TEXT,
            "due_date": DATE_WIDGET,
        }
        help_texts = {
            "description": _("What happened, when and how it was noticed. Markdown."),
            "impact": _(
                "What it does to the project: scope, schedule, cost, the client. Markdown."
            ),
            "root_cause": _("Why it happened. Markdown."),
            "solution": _("What was or will be done about it. Needed to mark it solved. Markdown."),
            "visibility": _("Shared problems are visible to the client's people."),
        }

    def __init__(
        self, *args: Any, project: Project, user: Any, can_share: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.user = user
        owner = self.fields["owner"]
        self.fields["owner"] = OwnerField(
            queryset=owner_queryset(project),
            required=False,
            label=owner.label,
            empty_label=_("— nobody yet —"),
            help_text=_("The team member who drives the solution."),
        )
        if not can_share:
            del self.fields["visibility"]
        else:
            self.fields["visibility"].choices = Visibility.choices
        # The stored links, as the user would type them.
        if self.instance.pk and not self.is_bound:
            self.initial["requirement_numbers"] = requirement_keys(
                self.visible_requirements().filter(problems=self.instance).only("number")
            )
            self.initial["change_request_numbers"] = change_request_keys(
                self.visible_change_requests().filter(problems=self.instance).only("number")
            )

    def visible_requirements(self) -> Any:
        return Requirement.objects.visible_in(self.project, self.user).filter(project=self.project)

    def visible_change_requests(self) -> Any:
        return ChangeRequest.objects.visible_in(self.project, self.user)

    def clean_change_request_numbers(self) -> list[ChangeRequest]:
        numbers, bad = parse_requirement_numbers(
            self.cleaned_data.get("change_request_numbers", ""), CHANGE_REQUEST_NUMBER
        )
        if bad:
            raise forms.ValidationError(
                _("“%(words)s” is not a change request number (write CR3, CR5).")
                % {"words": ", ".join(bad[:5])}
            )
        if len(numbers) > MAX_CHANGE_REQUESTS:
            raise forms.ValidationError(
                _("At most %(limit)s change requests can be linked.")
                % {"limit": MAX_CHANGE_REQUESTS}
            )
        if not numbers:
            return []
        found = {c.number: c for c in self.visible_change_requests().filter(number__in=numbers)}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise forms.ValidationError(
                ngettext(
                    "This project has no change request %(keys)s.",
                    "This project has no change requests %(keys)s.",
                    len(missing),
                )
                % {"keys": ", ".join(f"CR{n}" for n in missing)}
            )
        return [found[number] for number in numbers]

    def clean_requirement_numbers(self) -> list[Requirement]:
        numbers, bad = parse_requirement_numbers(self.cleaned_data.get("requirement_numbers", ""))
        if bad:
            raise forms.ValidationError(
                _("“%(words)s” is not a requirement number (write R12, R14).")
                % {"words": ", ".join(bad[:5])}
            )
        if len(numbers) > MAX_REQUIREMENTS:
            raise forms.ValidationError(
                _("At most %(limit)s requirements can be linked.") % {"limit": MAX_REQUIREMENTS}
            )
        if not numbers:
            return []
        found = {r.number: r for r in self.visible_requirements().filter(number__in=numbers)}
        missing = [number for number in numbers if number not in found]
        if missing:
            raise forms.ValidationError(
                ngettext(
                    "This project has no requirement %(keys)s.",
                    "This project has no requirements %(keys)s.",
                    len(missing),
                )
                % {"keys": ", ".join(f"R{n}" for n in missing)}
            )
        return [found[number] for number in numbers]

    def fields_for_service(self) -> dict[str, Any]:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "requirement_numbers", "change_request_numbers")
        }
        data["requirements"] = self.cleaned_data.get("requirement_numbers", [])
        data["change_requests"] = self.cleaned_data.get("change_request_numbers", [])
        return data


class ProblemFromRiskForm(forms.Form):
    """The confirm page of "the risk occurred": the problem's first words, prefilled from the
    risk and editable."""

    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        widget=TEXT,
        help_text=_("Prefilled with the risk's event; say what actually happened. Markdown."),
    )
    impact = forms.CharField(
        label=_("Impact"),
        required=False,
        widget=TEXT,
        help_text=_("Prefilled with the risk's consequence. Markdown."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
