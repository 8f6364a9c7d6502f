"""Requirement pages: list (filters, sorting, paging, bulk actions), tree, create and edit
forms, and the requirements card of the project overview."""

from __future__ import annotations

from typing import Any
from unittest import mock

from django.contrib.messages import get_messages
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.testing import BaseTestCase
from accord.requirements import services
from accord.requirements.choices import (
    Priority,
    QualityAttribute,
    RequirementType,
    Source,
    Status,
)
from accord.requirements.models import AcceptanceCriterion, Requirement
from accord.requirements.tests.factories import make_requirement

DRAFT_MARKER = "DRAFT-SECRET-requirement"


def count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(requirement: Requirement | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete form post: the requirement's fields and its criteria as formset rows."""
    data: dict[str, Any] = {
        "title": "Customers reset their own password",
        "background": "Support spends a day a week on password resets.",
        "description": "A reset link by e-mail, valid for **one hour**.",
        "type": RequirementType.FUNCTIONAL,
        "quality_attribute": "",
        "priority": Priority.MUST,
        "business_value": "8",
        "effort_days": "3.5",
        "source": Source.WORKSHOP,
        "source_stakeholder": "Head of support",
        "source_reference": "https://wiki.example.com/workshop-3",
        "parent": "",
        "tags": "security, portal",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "100",
    }
    for i in range(3):
        data.update({f"criteria-{i}-style": "free", f"criteria-{i}-ORDER": ""})
    if requirement is not None:
        criteria = list(requirement.criteria.order_by("position"))
        data["version"] = str(requirement.version)
        data["title"] = requirement.title
        data["criteria-TOTAL_FORMS"] = str(len(criteria) + 3)
        data["criteria-INITIAL_FORMS"] = str(len(criteria))
        for i, c in enumerate(criteria):
            data.update(
                {
                    f"criteria-{i}-id": str(c.pk),
                    f"criteria-{i}-style": c.style,
                    f"criteria-{i}-text": c.text,
                    f"criteria-{i}-given": c.given,
                    f"criteria-{i}-when": c.when,
                    f"criteria-{i}-then": c.then,
                    f"criteria-{i}-ORDER": str(i + 1),
                }
            )
        for i in range(len(criteria), len(criteria) + 3):
            data.update({f"criteria-{i}-style": "free", f"criteria-{i}-ORDER": ""})
    data.update(overrides)
    return data


class RequirementPagesTestCase(BaseTestCase):
    """A small requirement set in several states, types, priorities and sources."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        p = cls.project
        cls.epic = make_requirement(
            p,
            title="Self-service account management",
            type=RequirementType.BUSINESS,
            priority=Priority.SHOULD,
            source=Source.INTERVIEW,
            tags=["portal"],
            status=Status.SUBMITTED,
        )
        cls.reset = make_requirement(
            p,
            title="Password reset by e-mail",
            description="The link expires after an hour.",
            priority=Priority.MUST,
            source=Source.WORKSHOP,
            parent=cls.epic,
            tags=["security", "portal"],
            status=Status.CONFIRMED,
        )
        cls.draft = make_requirement(
            p,
            title=DRAFT_MARKER,
            type=RequirementType.NON_FUNCTIONAL,
            quality_attribute=QualityAttribute.PERFORMANCE,
            priority=Priority.COULD,
            source=Source.DOCUMENT,
            parent=cls.reset,
            tags=["internal-only-tag"],
        )
        cls.changed = make_requirement(
            p,
            title="Invoices archived for ten years",
            priority=Priority.WONT,
            source=Source.EMAIL,
            status=Status.CONFIRMED,
        )
        services.requirement_update(
            actor=cls.alice,
            requirement=cls.changed,
            data={"description": "Archived for seven years, as the law now says."},
        )
        cls.list_url = reverse("requirements:list", args=["ACME"])
        cls.tree_url = reverse("requirements:tree", args=["ACME"])

    def titles(self, response: Any) -> list[str]:
        """The requirement titles in the order the page shows them."""
        body = response.content.decode()
        found = [
            (body.index(r.title), r.title)
            for r in (self.epic, self.reset, self.draft, self.changed)
            if r.title in body
        ]
        return [title for _, title in sorted(found)]


class RequirementListTests(RequirementPagesTestCase):
    def test_the_team_sees_every_requirement_with_its_columns(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, "ACME-R2")
        self.assertContains(r, "Password reset by e-mail")
        self.assertContains(r, DRAFT_MARKER)
        self.assertContains(r, "Non-functional")
        self.assertContains(r, "Must have")
        self.assertContains(r, "Confirmed</span>")
        self.assertContains(r, "v1 ✓")
        self.assertContains(r, "Changed since confirmation</span>")
        self.assertContains(r, ">security</a>")
        self.assertContains(r, 'name="r" value="2"')
        self.assertContains(r, reverse("requirements:create", args=["ACME"]))
        self.assertContains(r, 'aria-current="page">Requirements')
        self.assertContains(r, '<option value="draft"')

    def test_clients_never_see_drafts_nor_internal_controls(self) -> None:
        for client_user in (self.carol, self.dave):
            self.client.force_login(client_user)
            r = self.client.get(self.list_url)
            self.assertContains(r, "Password reset by e-mail")
            self.assertNotContains(r, DRAFT_MARKER)
            self.assertNotContains(r, "internal-only-tag")
            self.assertNotContains(r, '<option value="draft"')
            self.assertContains(r, '<option value="submitted"')
            self.assertNotContains(r, 'name="r"')
            self.assertNotContains(r, reverse("requirements:bulk", args=["ACME"]))
            self.assertNotContains(r, reverse("requirements:create", args=["ACME"]))
            r = self.client.get(self.list_url, {"q": "SECRET"})
            self.assertNotContains(r, DRAFT_MARKER)
            self.assertContains(r, "No requirements match these filters")

    def test_viewers_read_without_bulk_actions(self) -> None:
        self.client.force_login(self.vera)
        r = self.client.get(self.list_url)
        self.assertContains(r, DRAFT_MARKER)
        self.assertNotContains(r, 'name="r"')

    def test_outsiders_get_404(self) -> None:
        self.client.force_login(self.mallory)
        self.assertEqual(self.client.get(self.list_url).status_code, 404)
        self.assertEqual(self.client.get(self.tree_url).status_code, 404)

    def test_each_filter_narrows_the_list(self) -> None:
        self.client.force_login(self.alice)
        cases = {
            "status=submitted": [self.epic.title],
            "status=draft": [DRAFT_MARKER],
            "priority=must": [self.reset.title],
            "type=non_functional": [DRAFT_MARKER],
            "type=business": [self.epic.title],
            "tag=security": [self.reset.title],
            "tag=portal": [self.epic.title, self.reset.title],
            "source=email": [self.changed.title],
            "confirmed=yes": [self.reset.title],
            "confirmed=changed": [self.changed.title],
            "confirmed=no": [self.epic.title, DRAFT_MARKER, self.changed.title],
            "q=expires after": [self.reset.title],
            "q=invoices": [self.changed.title],
            "q=R3": [DRAFT_MARKER],
            "q=ACME-R1": [self.epic.title],
            "parent=R1": [self.reset.title],
            f"parent=ACME-R{self.reset.number}": [DRAFT_MARKER],
        }
        for query, expected in cases.items():
            with self.subTest(query):
                r = self.client.get(f"{self.list_url}?{query}")
                self.assertEqual(self.titles(r), expected)

    def test_sorting(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url, {"sort": "priority"})
        self.assertEqual(
            self.titles(r), [self.reset.title, self.epic.title, DRAFT_MARKER, self.changed.title]
        )
        r = self.client.get(self.list_url, {"sort": "-priority"})
        self.assertEqual(self.titles(r)[0], self.changed.title)
        r = self.client.get(self.list_url, {"sort": "-key"})
        self.assertEqual(
            self.titles(r), [self.changed.title, DRAFT_MARKER, self.reset.title, self.epic.title]
        )
        r = self.client.get(self.list_url, {"sort": "title"})
        self.assertEqual(
            self.titles(r), [DRAFT_MARKER, self.changed.title, self.reset.title, self.epic.title]
        )
        r = self.client.get(self.list_url, {"sort": "status"})
        self.assertEqual(self.titles(r)[0], DRAFT_MARKER)
        services.requirement_update(
            actor=self.alice, requirement=self.epic, data={"title": "Accounts, self-served"}
        )
        r = self.client.get(self.list_url, {"sort": "-updated"})
        self.assertLess(
            r.content.decode().index("Accounts, self-served"),
            r.content.decode().index(self.changed.title),
        )

    @override_settings(ACCORD_PAGE_SIZE=3)
    def test_it_paginates_and_keeps_the_filters(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url)
        self.assertContains(r, "Page 1 of 2")
        self.assertContains(r, "4 requirements")
        self.assertNotContains(r, self.changed.title)
        r = self.client.get(self.list_url, {"page": 2})
        self.assertContains(r, "Page 2 of 2")
        self.assertEqual(self.titles(r), [self.changed.title])
        r = self.client.get(self.list_url, {"sort": "-key", "page": 1})
        self.assertContains(r, "sort=-key&amp;page=2")

    def test_an_empty_project_says_how_to_write_the_first_requirement(self) -> None:
        self.client.force_login(self.mallory)
        url = reverse("requirements:list", args=["EVIL"])
        r = self.client.get(url)
        self.assertContains(r, "No requirements yet")
        self.assertContains(r, "Write the first requirement")
        self.assertContains(r, reverse("requirements:create", args=["EVIL"]))

    def test_clients_without_shared_requirements_are_told_they_come_later(self) -> None:
        Requirement.objects.exclude(status=Status.DRAFT).update(
            status=Status.DRAFT, visibility="internal"
        )
        self.client.force_login(self.carol)
        r = self.client.get(self.list_url)
        self.assertContains(r, "has not shared any requirements with you yet")
        self.assertNotContains(r, reverse("requirements:create", args=["ACME"]))

    def test_a_filter_that_matches_nothing_says_how_to_clear_it(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.list_url, {"q": "nothing-like-this"})
        self.assertContains(r, "No requirements match these filters")
        self.assertContains(r, f'href="{self.list_url}"')
        self.assertContains(r, "Clear filters")

    def test_query_count_does_not_grow_with_the_rows(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.list_url + "?sort=priority&tag=portal")
        for i in range(6):
            make_requirement(
                self.project, title=f"More {i}", tags=["portal", f"t{i}"], status=Status.CONFIRMED
            )
        self.assertEqual(
            count_queries(self.client, self.list_url + "?sort=priority&tag=portal"), first
        )
        self.client.force_login(self.carol)
        first = count_queries(self.client, self.list_url)
        make_requirement(self.project, title="Yet more", tags=["x"], status=Status.SUBMITTED)
        self.assertEqual(count_queries(self.client, self.list_url), first)


class RequirementBulkTests(RequirementPagesTestCase):
    def setUp(self) -> None:
        self.url = reverse("requirements:bulk", args=["ACME"])

    def test_it_adds_a_tag_to_the_selected_requirements(self) -> None:
        self.client.force_login(self.bob)
        back = self.list_url + "?status=confirmed"
        r = self.client.post(
            self.url,
            {"action": "add_tag", "tag": "release-1", "r": [self.reset.number, self.changed.number],
             "next": back},
        )  # fmt: skip
        self.assertRedirects(r, back, fetch_redirect_response=False)
        self.assertIn("release-1", self.reset.tags.values_list("name", flat=True))
        self.assertIn("release-1", self.changed.tags.values_list("name", flat=True))
        self.assertNotIn("release-1", self.epic.tags.values_list("name", flat=True))
        self.assertIn("added to 2 of 2", messages_of(r)[0])

    def test_it_removes_a_tag(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(
            self.url, {"action": "remove_tag", "tag": "portal", "r": [self.epic.number]}
        )
        self.assertEqual(list(self.epic.tags.values_list("name", flat=True)), [])
        self.assertEqual(
            sorted(self.reset.tags.values_list("name", flat=True)), ["portal", "security"]
        )

    def test_select_all_on_page_works_without_javascript(self) -> None:
        self.client.force_login(self.alice)
        numbers = [self.epic.number, self.reset.number]
        self.client.post(
            self.url, {"action": "add_tag", "tag": "all", "all": "1", "page_r": numbers}
        )
        self.assertEqual(Requirement.objects.filter(tags__name="all").count(), 2)

    def test_nothing_selected_changes_nothing_and_says_so(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"action": "add_tag", "tag": "x", "page_r": [1, 2]})
        self.assertRedirects(r, self.list_url, fetch_redirect_response=False)
        self.assertEqual(
            messages_of(r), ["Select at least one requirement first. Nothing was changed."]
        )
        self.assertFalse(Requirement.objects.filter(tags__name="x").exists())

    def test_a_tag_action_needs_a_tag_name(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"action": "add_tag", "tag": " ", "r": [1]})
        self.assertEqual(messages_of(r), ["Name the tag to add or remove."])

    def test_submitting_takes_the_manager_to_the_submit_page(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(
            self.url, {"action": "submit", "r": [self.reset.number, self.draft.number]}
        )
        expected = (
            reverse("requirements:submit", args=["ACME"])
            + f"?r={self.reset.number}&r={self.draft.number}"
        )
        self.assertRedirects(r, expected, fetch_redirect_response=False)

    def test_members_cannot_submit(self) -> None:
        self.client.force_login(self.bob)
        r = self.client.post(self.url, {"action": "submit", "r": [self.reset.number]})
        self.assertEqual(r.status_code, 403)

    def test_clients_viewers_and_outsiders_are_refused(self) -> None:
        for user, status in ((self.carol, 403), (self.vera, 403), (self.mallory, 404)):
            self.client.force_login(user)
            r = self.client.post(self.url, {"action": "add_tag", "tag": "x", "r": [1]})
            self.assertEqual(r.status_code, status)
        self.assertFalse(Requirement.objects.filter(tags__name="x").exists())

    def test_an_outside_next_address_is_not_followed(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(self.url, {"next": "https://evil.example.com/"})
        self.assertRedirects(r, self.list_url, fetch_redirect_response=False)


class RequirementTreeTests(RequirementPagesTestCase):
    def test_it_nests_details_under_their_parents(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.tree_url)
        body = r.content.decode()
        epic, reset, draft, changed = (
            body.index(t)
            for t in (self.epic.title, self.reset.title, DRAFT_MARKER, self.changed.title)
        )
        self.assertLess(epic, reset)
        self.assertLess(reset, draft)
        self.assertLess(draft, changed)
        # The draft sits two lists deep, inside the epic's and the reset's sub-lists.
        self.assertEqual(body[epic:draft].count("<ul>"), 2)
        self.assertEqual(body[draft:changed].count("</ul></details></li>"), 2)
        self.assertContains(r, "Submitted to client")

    def test_clients_never_see_drafts_in_the_tree(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.tree_url)
        self.assertContains(r, self.reset.title)
        self.assertNotContains(r, DRAFT_MARKER)

    def test_a_child_of_a_hidden_parent_stands_at_the_top(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.tree_url, {"status": "draft"})
        self.assertContains(r, DRAFT_MARKER)
        self.assertNotContains(r, self.epic.title)

    def test_a_large_tree_is_cut_with_a_link_to_the_list(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("accord.requirements.views.listing.TREE_LIMIT", 2):
            r = self.client.get(self.tree_url, {"priority": ""})
        self.assertContains(r, "The tree shows the first 2 requirements only")
        self.assertContains(r, self.list_url)
        self.assertNotContains(r, DRAFT_MARKER)

    def test_query_count_does_not_grow_with_the_tree(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.tree_url)
        for i in range(5):
            make_requirement(self.project, title=f"Detail {i}", parent=self.reset)
        self.assertEqual(count_queries(self.client, self.tree_url), first)

    def test_an_empty_tree_says_how_to_start(self) -> None:
        self.client.force_login(self.mallory)
        r = self.client.get(reverse("requirements:tree", args=["EVIL"]))
        self.assertContains(r, "Start with an epic")


class RequirementCreateTests(RequirementPagesTestCase):
    def setUp(self) -> None:
        self.url = reverse("requirements:create", args=["ACME"])

    def test_it_creates_a_requirement_with_criteria_tags_and_parent(self) -> None:
        self.client.force_login(self.bob)
        data = form_data(
            **{
                "parent": str(self.epic.number),
                "criteria-0-text": "The link works once.",
                "criteria-1-style": "gherkin",
                "criteria-1-given": "a customer who forgot the password",
                "criteria-1-when": "they ask for a reset",
                "criteria-1-then": "an e-mail with a link arrives within a minute",
            }
        )
        r = self.client.post(self.url, data)
        created = Requirement.objects.get(title="Customers reset their own password")
        self.assertRedirects(r, created.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(created.status, Status.DRAFT)
        self.assertEqual(created.parent, self.epic)
        self.assertEqual(created.business_value, 8)
        self.assertEqual(str(created.effort_days), "3.5")
        self.assertEqual(created.source_stakeholder, "Head of support")
        self.assertEqual(
            sorted(created.tags.values_list("name", flat=True)), ["portal", "security"]
        )
        criteria = list(created.criteria.order_by("position"))
        self.assertEqual([c.style for c in criteria], ["free", "gherkin"])
        self.assertEqual(criteria[0].text, "The link works once.")
        self.assertEqual(criteria[1].then, "an e-mail with a link arrives within a minute")
        self.assertEqual(created.current_version.number, 1)

    def test_the_form_offers_parents_tags_and_three_empty_criteria(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url, {"parent": self.epic.number})
        self.assertContains(r, f'<option value="{self.epic.number}" selected>')
        self.assertContains(r, '<option value="security">')
        self.assertContains(r, 'name="criteria-TOTAL_FORMS" value="3"')
        self.assertNotContains(r, 'name="note"')

    def test_a_bad_post_keeps_everything_typed_and_shows_the_errors(self) -> None:
        self.client.force_login(self.alice)
        data = form_data(
            title="",
            business_value="11",
            quality_attribute=QualityAttribute.SECURITY,
            **{
                "criteria-0-text": "Typed criterion kept",
                "criteria-1-style": "gherkin",
                "criteria-1-given": "Typed given kept",
            },
        )
        r = self.client.post(self.url, data)
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "This field is required.", status_code=400)
        self.assertContains(
            r, "Only non-functional requirements have a quality attribute.", status_code=400
        )
        self.assertContains(r, "Given, When and Then are all needed.", status_code=400)
        self.assertContains(r, "Typed criterion kept", status_code=400)
        self.assertContains(r, "Typed given kept", status_code=400)
        self.assertContains(r, "Support spends a day a week", status_code=400)
        self.assertContains(r, 'value="security, portal"', status_code=400)
        self.assertFalse(Requirement.objects.filter(background__startswith="Support").exists())

    def test_an_unknown_parent_is_refused_on_its_field(self) -> None:
        self.client.force_login(self.alice)
        with mock.patch("accord.requirements.views.listing.PARENT_SELECT_LIMIT", 1):
            r = self.client.get(self.url)
            self.assertContains(r, 'placeholder="R12"')
            r = self.client.post(self.url, form_data(parent="R999"))
        self.assertContains(
            r, "There is no requirement ACME-R999 in this project.", status_code=400
        )
        self.assertFalse(Requirement.objects.filter(title__startswith="Customers reset").exists())

    def test_only_the_team_sees_the_form(self) -> None:
        for user, status in ((self.carol, 403), (self.vera, 403), (self.mallory, 404)):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, status)
            self.assertEqual(self.client.post(self.url, form_data()).status_code, status)
        self.assertFalse(Requirement.objects.filter(title__startswith="Customers reset").exists())


class RequirementEditTests(RequirementPagesTestCase):
    def setUp(self) -> None:
        self.url = reverse("requirements:edit", args=["ACME", self.reset.number])

    def test_the_form_shows_the_current_values_and_criteria(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        self.assertContains(r, 'value="Password reset by e-mail"')
        self.assertContains(r, "The PDF matches the on-screen report.")
        self.assertContains(r, f'<option value="{self.epic.number}" selected>')
        self.assertContains(r, 'value="portal, security"')
        self.assertContains(r, f'name="version" value="{self.reset.version}"')
        self.assertContains(r, 'name="note"')
        self.assertContains(r, "must confirm again")

    def test_editing_keeps_criteria_ids_and_marks_a_confirmed_change(self) -> None:
        original = self.reset.criteria.get()
        self.client.force_login(self.bob)
        data = form_data(
            self.reset,
            note="Clarified the report",
            **{
                "criteria-0-text": "The PDF matches the screen, page for page.",
                "criteria-1-text": "A second criterion",
            },
        )
        r = self.client.post(self.url, data)
        self.assertRedirects(r, self.reset.get_absolute_url(), fetch_redirect_response=False)
        self.reset.refresh_from_db()
        criteria = list(self.reset.criteria.order_by("position"))
        self.assertEqual(criteria[0].pk, original.pk)
        self.assertEqual(criteria[0].text, "The PDF matches the screen, page for page.")
        self.assertEqual(criteria[1].text, "A second criterion")
        self.assertTrue(self.reset.changed_since_confirmation)
        self.assertEqual(self.reset.current_version.number, 2)
        self.assertEqual(self.reset.current_version.note, "Clarified the report")

    def test_a_criterion_is_deleted_and_reordered(self) -> None:
        services.requirement_update(
            actor=self.alice,
            requirement=self.reset,
            data={},
            criteria=[
                {"style": "free", "text": "First"},
                {"style": "free", "text": "Second"},
                {"style": "free", "text": "Third"},
            ],
        )
        self.reset.refresh_from_db()
        first, second, third = self.reset.criteria.order_by("position")
        self.client.force_login(self.alice)
        data = form_data(
            self.reset,
            **{"criteria-0-DELETE": "on", "criteria-2-ORDER": "1", "criteria-1-ORDER": "2"},
        )
        self.client.post(self.url, data)
        remaining = list(self.reset.criteria.order_by("position"))
        self.assertEqual([c.pk for c in remaining], [third.pk, second.pk])
        self.assertFalse(AcceptanceCriterion.objects.filter(pk=first.pk).exists())

    def test_a_stale_edit_is_refused_with_a_clear_message(self) -> None:
        self.client.force_login(self.alice)
        data = form_data(self.reset, title="My late title")
        services.requirement_update(
            actor=self.bob, requirement=self.reset, data={"title": "Bob got there first"}
        )
        r = self.client.post(self.url, data)
        self.assertEqual(r.status_code, 409)
        self.assertContains(r, "Someone else changed this requirement", status_code=409)
        self.assertContains(r, "My late title", status_code=409)
        self.reset.refresh_from_db()
        self.assertEqual(self.reset.title, "Bob got there first")

    def test_a_cycle_in_the_hierarchy_is_refused(self) -> None:
        self.client.force_login(self.alice)
        url = reverse("requirements:edit", args=["ACME", self.epic.number])
        r = self.client.post(url, form_data(self.epic, parent=str(self.draft.number)))
        self.assertContains(r, "cannot be its parent", status_code=400)
        self.epic.refresh_from_db()
        self.assertIsNone(self.epic.parent)

    def test_a_criterion_of_another_requirement_is_refused(self) -> None:
        other = self.epic.criteria.get()
        self.client.force_login(self.alice)
        data = form_data(self.reset, **{"criteria-0-id": str(other.pk)})
        r = self.client.post(self.url, data)
        self.assertContains(
            r, "An acceptance criterion is not of this requirement.", status_code=400
        )

    def test_permissions_per_persona(self) -> None:
        draft_url = reverse("requirements:edit", args=["ACME", self.draft.number])
        expected = {
            self.alice: (200, 200),
            self.bob: (200, 200),
            self.vera: (403, 403),
            self.carol: (403, 404),
            self.dave: (403, 404),
            self.mallory: (404, 404),
        }
        for user, (shared_status, draft_status) in expected.items():
            self.client.force_login(user)
            with self.subTest(user=user.email):
                self.assertEqual(self.client.get(self.url).status_code, shared_status)
                self.assertEqual(self.client.get(draft_url).status_code, draft_status)
        self.client.force_login(self.carol)
        r = self.client.post(self.url, form_data(self.reset, title="Client edit"))
        self.assertEqual(r.status_code, 403)
        self.reset.refresh_from_db()
        self.assertEqual(self.reset.title, "Password reset by e-mail")


class OverviewCardTests(RequirementPagesTestCase):
    def setUp(self) -> None:
        self.url = reverse("projects:overview", args=["ACME"])

    def test_the_team_sees_counts_what_awaits_the_client_and_what_changed(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get(self.url)
        card = r.context["requirements_card"]
        self.assertEqual(card["total"], 4)
        self.assertEqual(
            {row["status"]: row["count"] for row in card["by_status"]},
            {"draft": 1, "submitted": 1, "confirmed": 2},
        )
        self.assertEqual(card["awaiting_count"], 1)
        self.assertEqual(card["changed_count"], 1)
        self.assertContains(r, "Awaiting the client's review")
        self.assertContains(r, self.epic.title)
        self.assertContains(r, "?confirmed=changed")

    def test_clients_count_only_what_is_shared_with_them(self) -> None:
        self.client.force_login(self.carol)
        r = self.client.get(self.url)
        card = r.context["requirements_card"]
        self.assertEqual(card["total"], 3)
        self.assertNotIn("draft", {row["status"] for row in card["by_status"]})
        self.assertNotContains(r, DRAFT_MARKER)

    def test_the_card_costs_the_same_queries_whatever_the_data(self) -> None:
        self.client.force_login(self.alice)
        first = count_queries(self.client, self.url)
        for i in range(7):
            make_requirement(self.project, title=f"Awaiting {i}", status=Status.SUBMITTED)
        self.assertEqual(count_queries(self.client, self.url), first)
        r = self.client.get(self.url)
        self.assertContains(r, "See all 8 requirements awaiting the client")
