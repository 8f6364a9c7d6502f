"""Forms of the requirement pages: parsing only; the services decide."""

from __future__ import annotations

from typing import Any

from django.test import SimpleTestCase

from accord.requirements.choices import RequirementType
from accord.requirements.filters import parse_number
from accord.requirements.forms import (
    BulkActionForm,
    CriterionFormSet,
    RequirementForm,
    split_tags,
)
from accord.requirements.models import Requirement


def management(total: int, initial: int = 0) -> dict[str, str]:
    return {
        "criteria-TOTAL_FORMS": str(total),
        "criteria-INITIAL_FORMS": str(initial),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "100",
    }


def requirement_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Export as PDF",
        "type": RequirementType.FUNCTIONAL,
        "priority": "must",
        "source": "interview",
    }
    data.update(overrides)
    return data


class SplitTagsTests(SimpleTestCase):
    def test_it_splits_on_english_and_chinese_commas(self) -> None:
        self.assertEqual(
            split_tags("billing, 移动端，报表、 billing ,, "), ["billing", "移动端", "报表"]
        )

    def test_it_collapses_inner_spaces(self) -> None:
        self.assertEqual(split_tags("  release   one "), ["release one"])


class ParseNumberTests(SimpleTestCase):
    def test_the_ways_people_write_a_requirement_number(self) -> None:
        for text in ("12", "R12", "r12", "ACME-R12", " R12 "):
            self.assertEqual(parse_number(text), 12, text)
        for text in ("", "R", "twelve", "ACME-M12", "12a"):
            self.assertIsNone(parse_number(text), text)


class RequirementFormTests(SimpleTestCase):
    def form(self, data: dict[str, Any], **kwargs: Any) -> RequirementForm:
        return RequirementForm(data, instance=Requirement(), **kwargs)

    def test_a_title_is_required(self) -> None:
        form = self.form(requirement_data(title=""))
        self.assertFalse(form.is_valid())
        self.assertIn("title", form.errors)

    def test_a_quality_attribute_needs_a_non_functional_requirement(self) -> None:
        form = self.form(requirement_data(quality_attribute="security"))
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["quality_attribute"],
            ["Only non-functional requirements have a quality attribute."],
        )
        form = self.form(requirement_data(type="non_functional", quality_attribute="security"))
        self.assertTrue(form.is_valid(), form.errors)

    def test_the_parent_is_typed_as_a_number_when_there_are_many(self) -> None:
        form = self.form(requirement_data(parent="ACME-R7", tags="a, b"))
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["parent"], 7)
        self.assertEqual(form.cleaned_data["tags"], ["a", "b"])
        self.assertNotIn("parent", form.fields_for_service())
        self.assertNotIn("tags", form.fields_for_service())

    def test_a_parent_that_is_no_number_is_refused(self) -> None:
        form = self.form(requirement_data(parent="the login epic"))
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["parent"], ["Enter a requirement number such as R12."])

    def test_the_parent_is_chosen_from_a_list_when_there_are_few(self) -> None:
        form = self.form(requirement_data(parent="3"), parent_choices=[(3, "ACME-R3 Login")])
        self.assertIn('<option value="3" selected>ACME-R3 Login</option>', str(form["parent"]))
        self.assertTrue(form.is_valid(), form.errors)

    def test_a_tag_longer_than_the_limit_is_refused(self) -> None:
        form = self.form(requirement_data(tags="ok, " + "x" * 41))
        self.assertFalse(form.is_valid())
        self.assertIn("tags", form.errors)

    def test_the_change_note_exists_only_when_editing(self) -> None:
        self.assertNotIn("note", self.form(requirement_data()).fields)
        self.assertIn("note", self.form(requirement_data(), editing=True).fields)


class CriterionFormSetTests(SimpleTestCase):
    def test_empty_rows_are_ignored_and_the_order_is_kept(self) -> None:
        data = management(4)
        data.update(
            {
                "criteria-0-style": "free",
                "criteria-0-text": "Second",
                "criteria-0-ORDER": "2",
                "criteria-1-style": "gherkin",
                "criteria-1-given": "a user",
                "criteria-1-when": "they sign in",
                "criteria-1-then": "they see the dashboard",
                "criteria-1-ORDER": "1",
                "criteria-2-style": "gherkin",
                "criteria-3-style": "free",
            }
        )
        formset = CriterionFormSet(data, prefix="criteria")
        self.assertTrue(formset.is_valid(), formset.errors)
        items = formset.items()
        self.assertEqual([item["style"] for item in items], ["gherkin", "free"])
        self.assertEqual(items[0]["then"], "they see the dashboard")
        self.assertEqual(items[1]["text"], "Second")

    def test_a_deleted_row_is_dropped_and_ids_are_kept(self) -> None:
        data = management(2, initial=2)
        data.update(
            {
                "criteria-0-id": "5",
                "criteria-0-style": "free",
                "criteria-0-text": "Keep me",
                "criteria-0-ORDER": "1",
                "criteria-1-id": "6",
                "criteria-1-style": "free",
                "criteria-1-text": "Drop me",
                "criteria-1-ORDER": "2",
                "criteria-1-DELETE": "on",
            }
        )
        formset = CriterionFormSet(data, prefix="criteria", known_ids={5, 6})
        self.assertTrue(formset.is_valid(), formset.errors)
        self.assertEqual(formset.items(), [
            {"style": "free", "text": "Keep me", "given": "", "when": "", "then": "", "id": 5}
        ])  # fmt: skip

    def test_an_incomplete_given_when_then_is_refused_on_its_fields(self) -> None:
        data = management(1)
        data.update({"criteria-0-style": "gherkin", "criteria-0-given": "a user"})
        formset = CriterionFormSet(data, prefix="criteria")
        self.assertFalse(formset.is_valid())
        self.assertIn("when", formset.forms[0].errors)
        self.assertIn("then", formset.forms[0].errors)

    def test_an_emptied_existing_criterion_must_be_deleted_explicitly(self) -> None:
        data = management(1, initial=1)
        data.update({"criteria-0-id": "5", "criteria-0-style": "free", "criteria-0-ORDER": "1"})
        formset = CriterionFormSet(data, prefix="criteria", known_ids={5})
        self.assertFalse(formset.is_valid())
        self.assertIn("Delete", formset.forms[0].errors["text"][0])

    def test_an_id_of_another_requirement_is_refused(self) -> None:
        data = management(1, initial=1)
        data.update({"criteria-0-id": "99", "criteria-0-style": "free", "criteria-0-text": "x"})
        formset = CriterionFormSet(data, prefix="criteria", known_ids={5})
        self.assertFalse(formset.is_valid())
        self.assertTrue(formset.non_form_errors())


class BulkActionFormTests(SimpleTestCase):
    def test_tag_actions_need_a_tag(self) -> None:
        form = BulkActionForm({"action": "add_tag", "tag": "  "})
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["tag"], ["Name the tag to add or remove."])
        form = BulkActionForm({"action": "remove_tag", "tag": " release  1 "})
        self.assertTrue(form.is_valid())
        self.assertEqual(form.cleaned_data["tag"], "release 1")

    def test_submitting_needs_no_tag(self) -> None:
        self.assertTrue(BulkActionForm({"action": "submit"}).is_valid())

    def test_an_unknown_action_is_refused(self) -> None:
        self.assertFalse(BulkActionForm({"action": "delete_all"}).is_valid())
