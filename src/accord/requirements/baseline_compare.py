"""Compare a baseline with a later one, or with today's agreed scope.

"Today" is the agreed scope as a new baseline would freeze it now (`selectors.agreed_scope`:
the confirmed version of every requirement that has one and is not withdrawn), as far as the
user may see it. A requirement is *added* when only the newer side has it, *removed* when only
the older side has it, and *changed* when both hold it in different versions; the changed ones
carry field by field diffs of the two versions.

Cost bound: each side is read in one query of small columns as plain rows (no version content,
no model instances), and the content of the changed versions in one more query, so the number
of queries does not depend on the size of the baselines, and only the requirements that differ
become objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db.models.fields.json import KeyTextTransform

from accord.core.textdiff import FieldDiff, time_limit
from accord.projects import policies
from accord.requirements import selectors
from accord.requirements.compare import version_diff
from accord.requirements.models import Baseline, BaselineItem, Requirement, RequirementVersion


@dataclass
class Entry:
    """One requirement on one side of a comparison: the requirement and its version there."""

    requirement: Requirement
    version: RequirementVersion
    # The title as that version has it: the requirement row may have changed since.
    title: str = ""
    # The reader may not see the requirement (any longer): shown without key, title or link.
    hidden: bool = False


@dataclass
class ChangedEntry:
    requirement: Requirement
    old_version: RequirementVersion
    new_version: RequirementVersion
    diffs: list[FieldDiff] = field(default_factory=list)
    title: str = ""
    hidden: bool = False

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


# A side is read as plain rows, not model instances: a baseline may hold thousands of items,
# and only the ones that differ become objects for the page.
# (requirement id, requirement number, version id, version number, version hash, title there,
# the requirement's visibility now)
Row = tuple[int, int, int, int, str, str, str]


def _baseline_side(baseline: Baseline) -> dict[int, Row]:
    rows = (
        BaselineItem.objects.filter(baseline_id=baseline.pk)
        .annotate(frozen_title=KeyTextTransform("title", "version__content"))
        .order_by()
        .values_list(
            "requirement_id",
            "requirement__number",
            "version_id",
            "version__number",
            "version__content_hash",
            "frozen_title",
            "requirement__visibility",
        )
    )
    return {row[0]: row for row in rows}


def _today_side(project: Any, user: Any) -> dict[int, Row]:
    visible = selectors.requirement_list(user=user, project=project)
    rows = (
        (selectors.agreed_scope(project) & visible)
        .annotate(frozen_title=KeyTextTransform("title", "confirmed_version__content"))
        .order_by()
        .values_list(
            "pk",
            "number",
            "confirmed_version_id",
            "confirmed_version__number",
            "confirmed_version__content_hash",
            "frozen_title",
            "visibility",
        )
    )
    return {row[0]: row for row in rows}


def _requirement(project: Any, row: Row) -> Requirement:
    # Enough of the requirement to name, link and judge it; nothing is read beyond the row.
    return Requirement(pk=row[0], project=project, number=row[1], visibility=row[6])


def _version(row: Row) -> RequirementVersion:
    return RequirementVersion(pk=row[2], requirement_id=row[0], number=row[3], content_hash=row[4])


# One time budget for all the requirements' diffs: a baseline may hold thousands.
@time_limit()
def baseline_compare(old: Baseline, new: Baseline | None, *, user: Any) -> BaselineComparison:
    """What changed from `old` to `new` (a later baseline, or today's agreed scope when None)."""
    project = old.project
    before = _baseline_side(old)
    after = _baseline_side(new) if new is not None else _today_side(project, user)

    def hidden(row: Row) -> bool:
        # A baseline may hold a requirement the reader may no longer see (a confirmed one
        # withdrawn and reinstated as a draft): it counts, but is not named.
        return not policies.can_view_item(user, _requirement(project, row))

    def entry(row: Row) -> Entry:
        if hidden(row):
            return Entry(_requirement(project, row), _version(row), "", hidden=True)
        return Entry(_requirement(project, row), _version(row), row[5] or "")

    added = [entry(after[pk]) for pk in after.keys() - before.keys()]
    removed = [entry(before[pk]) for pk in before.keys() - after.keys()]
    pairs = [
        (before[pk], after[pk])
        for pk in before.keys() & after.keys()
        if before[pk][2] != after[pk][2]
    ]
    unchanged = len(before.keys() & after.keys()) - len(pairs)
    hidden_pairs = [pair for pair in pairs if hidden(pair[1])]
    pairs = [pair for pair in pairs if not hidden(pair[1])]
    contents: dict[int, Any] = {}
    if pairs:
        version_ids = {row[2] for pair in pairs for row in pair}
        contents = dict(
            RequirementVersion.objects.filter(pk__in=version_ids).values_list("pk", "content")
        )
    changed = []
    for old_row, new_row in pairs:
        old_version, new_version = _version(old_row), _version(new_row)
        old_version.content, new_version.content = contents[old_row[2]], contents[new_row[2]]
        changed.append(
            ChangedEntry(
                requirement=_requirement(project, new_row),
                old_version=old_version,
                new_version=new_version,
                diffs=version_diff(old_version, new_version),
                title=new_row[5] or "",
            )
        )
    changed += [
        ChangedEntry(
            requirement=_requirement(project, new_row),
            old_version=_version(old_row),
            new_version=_version(new_row),
            hidden=True,
        )
        for old_row, new_row in hidden_pairs
    ]
    # Hidden entries last: their place among the others would hint at their numbers.
    by_number = attrgetter("hidden", "requirement.number")
    return BaselineComparison(
        old=old,
        new=new,
        added=sorted(added, key=by_number),
        removed=sorted(removed, key=by_number),
        changed=sorted(changed, key=by_number),
        unchanged=unchanged,
    )
