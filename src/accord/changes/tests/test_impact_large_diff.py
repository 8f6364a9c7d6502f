"""A change request's redline shares one time budget among the diffs of all its lines, and
its page says when a line's changes could not be marked (accord.core.textdiff)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accord.changes.choices import Status
from accord.changes.impact import change_impact
from accord.changes.tests.factories import confirmed_requirement, make_change, modify_line
from accord.core import textdiff

pytestmark = pytest.mark.django_db

LONG = "".join(f"Line {n}: the report lists the shipments of the month.\n" for n in range(60))


def _change(personas, lines: int):
    items = []
    for n in range(lines):
        # Different texts on every line, or the cache would answer for the later ones.
        description = f"Report {n}.\n{LONG}"
        requirement = confirmed_requirement(
            personas.project, title=f"Report {n}", description=description
        )
        edited = description.replace("Line 30: the report lists", "Line 30: it prints")
        items.append(modify_line(requirement, title=f"Report {n} as PDF", description=edited))
    return make_change(personas.project, status=Status.SUBMITTED, items=items)


def _description(line):
    return next(d for d in line.diffs if d.name == "description")


def test_the_lines_share_one_budget(personas, monkeypatch) -> None:
    change = _change(personas, 4)
    monkeypatch.setattr(textdiff, "PAGE_DIFF_SECONDS", 0.1)
    compute = textdiff._compute

    def slow(*args):
        # Each long diff takes 40 ms: the first two fit in the page's 100 ms, the rest do not.
        time.sleep(0.04)
        return compute(*args)

    monkeypatch.setattr(textdiff, "_compute", slow)
    impact = change_impact(change, personas.alice)
    assert _description(impact.lines[-1]).granularity == textdiff.UNMARKED
    # The short title diffs are still marked.
    assert all("<ins" in str(line.diffs[0].right) for line in impact.lines)


def test_the_page_says_when_a_line_is_shown_unmarked(client, personas, monkeypatch) -> None:
    change = _change(personas, 1)
    monkeypatch.setattr(textdiff, "PAGE_DIFF_SECONDS", 0)
    client.force_login(personas.alice)
    page = client.get(reverse("changes:detail", args=[personas.project.key, change.number]))
    assert "both versions are shown in full, without marking the changes" in page.content.decode()
