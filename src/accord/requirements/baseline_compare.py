"""Compare a baseline with a later one, or with today's agreed scope.

"Today" is the agreed scope as a new baseline would freeze it now (`selectors.agreed_scope`:
the confirmed version of every requirement that has one and is not withdrawn), as far as the
user may see it. A requirement is *added* when only the newer side has it, *removed* when only
the older side has it, and *changed* when both hold it in different versions; the changed ones
carry field by field diffs of the two versions.

Cost bound: each side is read in one query of small columns (no version content), and the
content of the versions that differ is read in one more query, so the number of queries does
not depend on the size of the baselines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db.models.fields.json import KeyTextTransform

from accord.core.textdiff import FieldDiff
from accord.requirements import selectors
from accord.requirements.compare import version_diff
from accord.requirements.models import Baseline, Requirement, RequirementVersion


@dataclass
class Entry:
    """One requirement on one side of a comparison: the requirement and its version there."""

    requirement: Requirement
    version: RequirementVersion
    # The title as that version has it: the requirement row may have changed since.
    title: str = ""


@dataclass
class ChangedEntry:
    requirement: Requirement
    old_version: RequirementVersion
    new_version: RequirementVersion
    diffs: list[FieldDiff] = field(default_factory=list)
    title: str = ""

    @property
    def changed_fields(self) -> list[FieldDiff]:
        return [diff for diff in self.diffs if diff.changed]


@dataclass
class BaselineComparison:
    old: Baseline
    new: Baseline | None
    added: list[Entry]
    removed: list[Entry]
    changed: list[ChangedEntry]
    unchanged: int

    @property
    def is_identical(self) -> bool:
        return not (self.added or self.removed or self.changed)


# Columns of a side: enough to name the requirement and its version, without version content.
_REQUIREMENT_COLUMNS = ("id", "project", "number", "title", "status", "visibility")
_VERSION_COLUMNS = ("id", "requirement_id", "number", "content_hash", "created_at")


def _baseline_side(baseline: Baseline) -> dict[int, Entry]:
    items = (
        baseline.items.select_related("requirement", "version", "requirement__project")
        .only(
            "requirement_id",
            "version_id",
            *(f"requirement__{name}" for name in _REQUIREMENT_COLUMNS),
            "requirement__project__key",
            *(f"version__{name}" for name in _VERSION_COLUMNS),
        )
        .annotate(version_title=KeyTextTransform("title", "version__content"))
        .order_by()
    )
    return {
        item.requirement_id: Entry(item.requirement, item.version, item.version_title or "")
        for item in items
    }


def _today_side(project: Any, user: Any) -> dict[int, Entry]:
    visible = selectors.requirement_list(user=user, project=project)
    requirements = (
        (selectors.agreed_scope(project) & visible)
        .select_related("confirmed_version")
        .only(
            *_REQUIREMENT_COLUMNS,
            "project__key",
            "confirmed_version",
            *(f"confirmed_version__{name}" for name in _VERSION_COLUMNS),
        )
        .annotate(version_title=KeyTextTransform("title", "confirmed_version__content"))
        .order_by()
    )
    return {r.pk: Entry(r, r.confirmed_version, r.version_title or "") for r in requirements}


def baseline_compare(old: Baseline, new: Baseline | None, *, user: Any) -> BaselineComparison:
    """What changed from `old` to `new` (a later baseline, or today's agreed scope when None)."""
    before = _baseline_side(old)
    after = _baseline_side(new) if new is not None else _today_side(old.project, user)

    added = [after[pk] for pk in after.keys() - before.keys()]
    removed = [before[pk] for pk in before.keys() - after.keys()]
    pairs = [
        (before[pk], after[pk])
        for pk in before.keys() & after.keys()
        if before[pk].version.pk != after[pk].version.pk
    ]
    versions: dict[int, RequirementVersion] = {}
    if pairs:
        version_ids = {entry.version.pk for pair in pairs for entry in pair}
        versions = RequirementVersion.objects.only("pk", "content").in_bulk(version_ids)
    changed = [
        ChangedEntry(
            requirement=new_entry.requirement,
            old_version=old_entry.version,
            new_version=new_entry.version,
            diffs=version_diff(versions[old_entry.version.pk], versions[new_entry.version.pk]),
            title=new_entry.title,
        )
        for old_entry, new_entry in pairs
    ]
    by_number = attrgetter("requirement.number")
    return BaselineComparison(
        old=old,
        new=new,
        added=sorted(added, key=by_number),
        removed=sorted(removed, key=by_number),
        changed=sorted(changed, key=by_number),
        unchanged=len(before.keys() & after.keys()) - len(pairs),
    )
