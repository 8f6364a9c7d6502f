"""Forms of the requirement detail page: workflow steps, discussion, links and verification.

They parse input; the services decide and write.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.choices import Visibility
from accord.requirements.choices import LinkKind, Transition

MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists with -, links [text](https://…).")

# "12", "R12", "ACME-R12" (any case, spaces around ignored).
_TARGET_RE = re.compile(r"^(?:(?:(?P<key>[A-Z0-9]+)-)?R)?(?P<number>\d+)$")


class TransitionForm(forms.Form):
    """One workflow step, with the row version the user saw (a stale step is refused)."""

    transition = forms.ChoiceField(choices=Transition.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: why this step is taken. It is kept in the history."),
    )


class CommentForm(forms.Form):
    """A comment in the discussion. Clients post shared comments only: their form has no
    visibility choice and the view forces it."""

    body = forms.CharField(
        label=_("Comment"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=[
            (Visibility.INTERNAL, _("Internal: the team only")),
            (Visibility.SHARED, _("Shared with the client")),
        ],
        initial=Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, choose_visibility: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, prefix="comment", **kwargs)
        if not choose_visibility:
            del self.fields["visibility"]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write something before posting."))
        return body


class LinkForm(forms.Form):
    """A link from this requirement to another of the same project, named by its number."""

    kind = forms.ChoiceField(label=_("Link"), choices=LinkKind.choices)
    target = forms.CharField(
        label=_("Requirement"),
        max_length=40,
        help_text=_("Its number or key, e.g. 12 or ACME-R12."),
    )

    def __init__(self, *args: Any, project_key: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix="link", **kwargs)
        self.project_key = project_key
        self.fields["target"].widget.attrs["placeholder"] = f"{project_key}-R12"

    def clean_target(self) -> int:
        text = "".join(self.cleaned_data["target"].split()).upper()
        match = _TARGET_RE.match(text)
        if match is None:
            raise forms.ValidationError(
                _("Give the number or key of a requirement, e.g. 12 or %(key)s-R12.")
                % {"key": self.project_key}
            )
        key = match.group("key")
        if key and key != self.project_key.upper():
            raise forms.ValidationError(
                _(
                    "%(target)s belongs to another project. Links join requirements of the "
                    "same project only."
                )
                % {"target": text}
            )
        return int(match.group("number"))


class CriterionVerifyForm(forms.Form):
    """Mark an acceptance criterion verified (or not any more), with a note."""

    verified = forms.BooleanField(label=_("Verified"), required=False)
    note = forms.CharField(
        label=_("Verification note"),
        required=False,
        max_length=500,
        help_text=_("How it was verified, e.g. the test run or the demo."),
    )

    def __init__(self, *args: Any, criterion_pk: int, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"criterion{criterion_pk}", **kwargs)


class DiffForm(forms.Form):
    """The two versions to compare, from the query string."""

    from_version = forms.IntegerField(label=_("From version"), min_value=1, required=False)
    to_version = forms.IntegerField(label=_("To version"), min_value=1, required=False)

    def __init__(self, data: Any, **kwargs: Any) -> None:
        # The query string says ?from=N&to=M; "from" is a keyword in Python.
        mapped = None
        if data is not None:
            mapped = {"from_version": data.get("from", ""), "to_version": data.get("to", "")}
        super().__init__(mapped, **kwargs)
