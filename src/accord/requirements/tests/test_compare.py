"""Comparing two versions of a requirement: labels, choice labels, criteria lines, highlights."""

from __future__ import annotations

from typing import Any

from django.test import SimpleTestCase

from accord.requirements.compare import criteria_lines, readable, stats_of, version_diff
from accord.requirements.models import RequirementVersion


def content(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Export the monthly report",
        "background": "",
        "description": "Managers download the report.",
        "type": "functional",
        "quality_attribute": "",
        "priority": "should",
        "source": "interview",
        "source_stakeholder": "",
        "source_reference": "",
        "acceptance_criteria": [{"style": "free", "text": "The PDF matches the screen."}],
    }
    base.update(fields)
    return base


def version(number: int, **fields: Any) -> RequirementVersion:
    return RequirementVersion(number=number, content=content(**fields), content_hash="0" * 64)


def by_name(diffs: list[Any]) -> dict[str, Any]:
    return {diff.name: diff for diff in diffs}


class VersionDiffTests(SimpleTestCase):
    def test_every_content_field_is_compared_in_order_with_its_label(self) -> None:
        diffs = version_diff(version(1), version(2))
        self.assertEqual(
            [d.name for d in diffs],
            [
                "title", "background", "description", "type", "quality_attribute", "priority",
                "source", "source_stakeholder", "source_reference", "acceptance_criteria",
            ],
        )  # fmt: skip
        labels = {d.name: d.label for d in diffs}
        self.assertEqual(labels["title"], "Title")
        self.assertEqual(labels["source_stakeholder"], "Requested by")
        self.assertEqual(labels["acceptance_criteria"], "Acceptance criteria")
        self.assertFalse(any(d.changed for d in diffs))

    def test_english_changes_are_marked_word_by_word(self) -> None:
        diffs = by_name(
            version_diff(
                version(1, description="Managers download the report."),
                version(2, description="Managers print the report."),
            )
        )
        description = diffs["description"]
        self.assertTrue(description.changed)
        self.assertIn('<del class="diff-del">download</del>', description.left)
        self.assertIn('<ins class="diff-ins">print</ins>', description.right)
        self.assertIn("the report.", description.right)
        self.assertNotIn("diff-ins", description.left)

    def test_chinese_changes_are_marked_character_by_character(self) -> None:
        diffs = by_name(
            version_diff(version(1, title="支持导出月度报表"), version(2, title="支持打印月度报表"))
        )
        title = diffs["title"]
        self.assertIn('<del class="diff-del">导出</del>', title.left)
        self.assertIn('<ins class="diff-ins">打印</ins>', title.right)
        # The unchanged characters around the change stay unmarked.
        self.assertTrue(title.right.startswith("支持"))
        self.assertTrue(title.right.endswith("月度报表"))

    def test_choices_compare_by_their_label(self) -> None:
        diffs = by_name(version_diff(version(1), version(2, priority="must")))
        self.assertEqual(diffs["priority"].old, "Should have")
        self.assertEqual(diffs["priority"].new, "Must have")
        self.assertIn('<ins class="diff-ins">Must</ins>', diffs["priority"].right)

    def test_criteria_are_numbered_lines_and_a_new_one_is_a_new_line(self) -> None:
        old = version(1)
        new = version(
            2,
            acceptance_criteria=[
                {"style": "free", "text": "The PDF matches the screen."},
                {"style": "gherkin", "given": "a manager", "when": "they export", "then": "a PDF"},
            ],
        )
        criteria = by_name(version_diff(old, new))["acceptance_criteria"]
        self.assertEqual(criteria.old, "1. The PDF matches the screen.")
        self.assertEqual(
            criteria.new,
            "1. The PDF matches the screen.\n2. Given a manager when they export then a PDF",
        )
        self.assertIn('<ins class="diff-ins">', criteria.right)
        self.assertNotIn("diff-del", criteria.left)

    def test_a_criterion_spread_over_lines_stays_one_line(self) -> None:
        lines = criteria_lines([{"style": "free", "text": "First line\nsecond line"}])
        self.assertEqual(lines, ["1. First line second line"])

    def test_missing_fields_count_as_empty(self) -> None:
        self.assertEqual(readable({})["title"], "")
        self.assertEqual(readable({})["acceptance_criteria"], [])

    def test_stats_count_changed_fields_and_words(self) -> None:
        diffs = version_diff(
            version(1, description="Managers download the report."),
            version(2, description="Managers print the report.", priority="must"),
        )
        stats = stats_of(diffs)
        self.assertEqual(stats.changed_fields, 2)
        # "download" → "print", "Should have" → "Must have": two words in, two out.
        self.assertEqual((stats.inserted, stats.deleted), (2, 2))
