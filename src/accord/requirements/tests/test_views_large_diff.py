"""The diff page of long versions: it answers in bounded time and says so when it marks the
changes line by line, or not at all (accord.core.textdiff)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.core import textdiff
from accord.requirements import services
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db

LINES = [f"Line {n}: the report lists the shipments of the month.\n" for n in range(300)]
OLD = "".join(LINES)
NEW = OLD.replace("Line 150: the report lists", "Line 150: the report prints")


@pytest.fixture
def diff_page(personas, client):
    requirement = make_requirement(personas.project, title="Long one", description=OLD)
    services.requirement_update(
        actor=personas.alice, requirement=requirement, data={"description": NEW}
    )
    client.force_login(personas.alice)
    url = reverse("requirements:diff", args=[personas.project.key, requirement.number])
    return lambda: client.get(url, {"from": 1, "to": 2}).content.decode()


def test_within_the_budget_words_are_marked_without_a_notice(diff_page) -> None:
    page = diff_page()
    assert '<del class="diff-del">lists</del>' in page
    assert '<ins class="diff-ins">prints</ins>' in page
    assert "line by line" not in page and "without marking" not in page


def test_past_the_word_budget_lines_are_marked_and_the_page_says_so(diff_page, monkeypatch) -> None:
    monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 0)
    page = diff_page()
    assert '<ins class="diff-ins">Line 150: the report prints the shipments' in page
    assert "some of its changes are marked line by line" in page
    # The counts follow the marks: one line out, one line in.
    assert "+1 added" in page and "−1 removed" in page


def test_past_the_line_budget_both_versions_are_shown_unmarked(diff_page, monkeypatch) -> None:
    monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 0)
    monkeypatch.setattr(textdiff, "LINE_DIFF_SECONDS", 0)
    page = diff_page()
    assert "both versions are shown in full, without marking the changes" in page
    assert "Line 150: the report lists" in page and "Line 150: the report prints" in page
    assert "diff-del" not in page.split("Line 0:")[1]
