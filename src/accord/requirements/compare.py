"""Comparing two versions of a requirement field by field, for the diff page and the API.

A version's content is the dict `hashing.requirement_content` made: the material fields and the
ordered acceptance criteria. Choice values are compared by their label in the reader's language
(a priority change reads "Should have → Must have", not "should → must"), and the criteria as
numbered text lines, so a reworded criterion shows word by word and a new one as a new line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accord.core.textdiff import FieldDiff, compare_fields
from accord.requirements.choices import (
    CriterionStyle,
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
)
from accord.requirements.hashing import CONTENT_FIELDS
from accord.requirements.models import Requirement, RequirementVersion

CRITERIA = "acceptance_criteria"

_CHOICES: dict[str, Any] = {
    "type": RequirementType,
    "quality_attribute": QualityAttribute,
    "priority": Priority,
    "source": Source,
}


def field_labels() -> list[tuple[str, str]]:
    """(content key, label) in page order, labels in the active language."""
    labels = [
        (name, capfirst(str(Requirement._meta.get_field(name).verbose_name)))
        for name in CONTENT_FIELDS
    ]
    labels.append((CRITERIA, _("Acceptance criteria")))
    return labels


def criterion_line(criterion: dict[str, Any]) -> str:
    """One criterion of a version's content as one line of text."""
    if criterion.get("style") == CriterionStyle.GHERKIN:
        return _("Given %(given)s when %(when)s then %(then)s") % {
            "given": criterion.get("given", ""),
            "when": criterion.get("when", ""),
            "then": criterion.get("then", ""),
        }
    return str(criterion.get("text", ""))


def criteria_lines(criteria: Iterable[dict[str, Any]] | None) -> list[str]:
    """Numbered lines: "1. …", "2. …"; line breaks inside a criterion become spaces, so each
    criterion stays one line of the comparison."""
    return [
        f"{number}. {' '.join(criterion_line(item).split())}"
        for number, item in enumerate(criteria or [], start=1)
    ]


def readable(content: dict[str, Any]) -> dict[str, Any]:
    """A version's content as the reader sees it: choice labels, criteria as lines."""
    result: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = content.get(name)
        choices = _CHOICES.get(name)
        if choices is not None and value:
            value = dict(choices.choices).get(value, value)
        result[name] = "" if value is None else str(value)
    result[CRITERIA] = criteria_lines(content.get(CRITERIA))
    return result


def version_diff(old: RequirementVersion, new: RequirementVersion) -> list[FieldDiff]:
    """Every content field of two versions side by side, changes highlighted."""
    return compare_fields(readable(old.content), readable(new.content), field_labels())


@dataclass
class DiffStats:
    """How much changed between two versions: fields, and words (characters in Chinese)."""

    changed_fields: int
    inserted: int
    deleted: int


def stats_of(diffs: list[FieldDiff]) -> DiffStats:
    inserted = deleted = 0
    changed = 0
    for diff in diffs:
        if diff.changed:
            changed += 1
            added, removed = diff.stats()
            inserted += added
            deleted += removed
    return DiffStats(changed_fields=changed, inserted=inserted, deleted=deleted)
