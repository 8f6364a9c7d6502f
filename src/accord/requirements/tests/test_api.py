"""The requirements API: visibility per persona, writes through the services, optimistic
locking, client decisions, diffs, baselines, comments, links and tags."""

from __future__ import annotations

from typing import Any

from accord.accounts.choices import Language
from accord.accounts.services import api_token_create
from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.choices import Visibility
from accord.requirements import services
from accord.requirements.choices import Decision, Status
from accord.requirements.models import (
    AcceptanceCriterion,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
)
from accord.requirements.tests.factories import make_requirement

BASE = "/api/v1/projects/ACME"
LIST = f"{BASE}/requirements/"
DRAFT_MARKER = "DRAFT-SECRET-requirement"
INTERNAL_COMMENT = "INTERNAL-SECRET-comment"


def url(requirement: Requirement, tail: str = "") -> str:
    return f"{LIST}{requirement.number}/{tail}"


class RequirementApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.draft = make_requirement(
            cls.project,
            title=f"{DRAFT_MARKER} single sign-on",
            description="Sign in with the company directory.",
            priority="must",
            tags=["security"],
        )
        cls.submitted = make_requirement(
            cls.project,
            status=Status.SUBMITTED,
            title="Export the monthly report as PDF",
            priority="should",
            source="workshop",
            tags=["reports"],
            criteria=[
                {"style": "free", "text": "The PDF matches the on-screen report."},
                {
                    "style": "gherkin",
                    "given": "a past month",
                    "when": "the manager exports it",
                    "then": "a PDF downloads",
                },
            ],
        )
        cls.confirmed = make_requirement(
            cls.project,
            status=Status.CONFIRMED,
            title="支持导出PDF报表",
            description="用户可以导出月度报表。",
            priority="must",
            type="non_functional",
            quality_attribute="performance",
            tags=["reports"],
        )
        cls.internal_comment = services.comment_create(
            actor=cls.bob,
            requirement=cls.submitted,
            body=f"{INTERNAL_COMMENT}: the client may push back on the format",
            visibility=Visibility.INTERNAL,
        )
        cls.shared_comment = services.comment_create(
            actor=cls.alice,
            requirement=cls.submitted,
            body="Is A4 landscape fine for you?",
            visibility=Visibility.SHARED,
        )

    def keys(self, response: Any) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [row["key"] for row in response.json()["results"]]

    def etag(self, requirement: Requirement) -> str:
        return self.client.get(url(requirement))["ETag"]


class RequirementListTests(RequirementApiTestCase):
    def test_the_team_sees_every_requirement_with_planning_data(self) -> None:
        self.login(self.vera)
        response = self.client.get(LIST)
        self.assertEqual(self.keys(response), ["ACME-R1", "ACME-R2", "ACME-R3"])
        row = response.json()["results"][2]
        self.assertEqual(row["title"], "支持导出PDF报表")
        self.assertEqual(row["status"], "confirmed")
        self.assertEqual(row["tags"], ["reports"])
        self.assertEqual(row["current_version"], 1)
        self.assertEqual(row["confirmed_version"], 1)
        self.assertTrue(row["is_confirmed"])
        self.assertFalse(row["changed_since_confirmation"])

    def test_clients_never_see_drafts(self) -> None:
        for user in (self.carol, self.dave):
            self.login(user)
            response = self.client.get(LIST)
            self.assertEqual(self.keys(response), ["ACME-R2", "ACME-R3"])
            self.assertNotIn(DRAFT_MARKER, response.content.decode())
            searched = self.client.get(LIST, {"q": "DRAFT-SECRET"})
            self.assertEqual(self.keys(searched), [])

    def test_outsiders_get_404(self) -> None:
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)

    def test_filters(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.keys(self.client.get(LIST, {"status": "submitted"})), ["ACME-R2"])
        self.assertEqual(
            self.keys(self.client.get(LIST, {"priority": "must"})), ["ACME-R1", "ACME-R3"]
        )
        self.assertEqual(self.keys(self.client.get(LIST, {"type": "non_functional"})), ["ACME-R3"])
        self.assertEqual(
            self.keys(self.client.get(LIST, {"tag": "reports"})), ["ACME-R2", "ACME-R3"]
        )
        self.assertEqual(self.keys(self.client.get(LIST, {"source": "workshop"})), ["ACME-R2"])
        self.assertEqual(self.keys(self.client.get(LIST, {"confirmed": "true"})), ["ACME-R3"])
        self.assertEqual(
            self.keys(self.client.get(LIST, {"confirmed": "false"})), ["ACME-R1", "ACME-R2"]
        )
        self.assertEqual(self.keys(self.client.get(LIST, {"q": "导出"})), ["ACME-R3"])
        self.assertEqual(self.keys(self.client.get(LIST, {"q": "ACME-R2"})), ["ACME-R2"])

    def test_filter_by_parent(self) -> None:
        child = make_requirement(self.project, title="Choose the month", parent=self.submitted)
        self.login(self.bob)
        response = self.client.get(LIST, {"parent": self.submitted.number})
        self.assertEqual(self.keys(response), [child.key])
        self.assertEqual(response.json()["results"][0]["parent"], "ACME-R2")

    def test_priority_sorts_in_moscow_order(self) -> None:
        make_requirement(self.project, title="Dark mode", priority="could")
        self.login(self.bob)
        response = self.client.get(LIST, {"ordering": "priority,number"})
        priorities = [row["priority"] for row in response.json()["results"]]
        self.assertEqual(priorities, ["must", "must", "should", "could"])
        response = self.client.get(LIST, {"ordering": "-number"})
        self.assertEqual(self.keys(response), ["ACME-R4", "ACME-R3", "ACME-R2", "ACME-R1"])

    def test_a_bad_filter_value_is_named(self) -> None:
        self.login(self.bob)
        self.assertError(self.client.get(LIST, {"status": "nonsense"}), 400, field="status")

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)
        counter = iter(range(100))

        def add_rows() -> None:
            for _ in range(3):
                n = next(counter)
                parent = make_requirement(
                    self.project, status=Status.CONFIRMED, title=f"Parent {n}", tags=[f"t{n}"]
                )
                make_requirement(
                    self.project,
                    status=Status.SUBMITTED,
                    title=f"Child {n}",
                    parent=parent,
                    tags=["reports", f"c{n}"],
                )

        self.assertQueriesDoNotGrow(LIST + "?ordering=priority", add_rows)


class RequirementDetailTests(RequirementApiTestCase):
    def test_detail_has_criteria_hashes_and_available_transitions(self) -> None:
        self.login(self.dave)
        response = self.client.get(url(self.submitted))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-R2")
        self.assertEqual(response["ETag"], etag_for(self.submitted, body["version"]))
        self.assertEqual(
            [c["text"] or c["given"] for c in body["criteria"]],
            ["The PDF matches the on-screen report.", "a past month"],
        )
        self.submitted.refresh_from_db()
        self.assertEqual(body["current_version"], 1)
        self.assertEqual(body["current_version_hash"], self.submitted.current_version.content_hash)
        self.assertIsNone(body["confirmed_version_hash"])
        self.assertEqual(body["available_transitions"], ["confirm", "return", "reject"])
        self.login(self.carol)
        self.assertEqual(self.client.get(url(self.submitted)).json()["available_transitions"], [])
        self.login(self.alice)
        self.assertIn(
            "recall", self.client.get(url(self.submitted)).json()["available_transitions"]
        )

    def test_a_confirmed_requirement_shows_its_confirmed_hash(self) -> None:
        self.login(self.carol)
        body = self.client.get(url(self.confirmed)).json()
        self.confirmed.refresh_from_db()
        self.assertEqual(body["confirmed_version"], 1)
        self.assertEqual(
            body["confirmed_version_hash"], self.confirmed.confirmed_version.content_hash
        )
        self.assertEqual(body["quality_attribute"], "performance")

    def test_a_draft_is_the_same_404_as_an_unknown_requirement_for_clients(self) -> None:
        self.login(self.carol)
        hidden = self.assertError(self.client.get(url(self.draft)), 404)
        unknown = self.assertError(self.client.get(f"{LIST}999/"), 404)
        self.assertEqual(hidden, unknown)
        for tail in (
            "versions/",
            "versions/1/",
            "criteria/",
            "comments/",
            "links/",
            "diff/",
            "decisions/",
        ):
            response = self.client.get(url(self.draft, tail))
            self.assertEqual(self.assertError(response, 404), unknown, tail)
            self.assertNotIn(DRAFT_MARKER, response.content.decode())

    def test_another_projects_requirement_is_not_found(self) -> None:
        evil = make_requirement(self.other_project, title="Evil", status=Status.SUBMITTED)
        self.login(self.alice)
        self.assertError(self.client.get(f"{BASE.replace('ACME', 'EVIL')}/requirements/1/"), 404)
        self.login(self.mallory)
        self.assertError(self.client.get(url(self.submitted)), 404)
        self.assertEqual(
            self.client.get(f"/api/v1/projects/EVIL/requirements/{evil.number}/").status_code, 200
        )


class ParentVisibilityTests(RequirementApiTestCase):
    """A shared requirement below a draft: clients read no parent, and filtering by the
    draft's number finds what an unknown number finds."""

    def setUp(self) -> None:
        super().setUp()
        services.requirement_update(
            actor=self.alice, requirement=self.submitted, data={"parent": self.draft}
        )

    def test_a_client_reads_no_hidden_parent(self) -> None:
        self.login(self.carol)
        self.assertIsNone(self.client.get(url(self.submitted)).json()["parent"])
        rows = self.client.get(LIST).json()["results"]
        self.assertEqual([r["parent"] for r in rows if r["number"] == self.submitted.number],
                         [None])  # fmt: skip
        self.assertNotIn(self.draft.key, self.client.get(LIST).content.decode())

    def test_the_team_reads_the_parent(self) -> None:
        self.login(self.vera)
        self.assertEqual(self.client.get(url(self.submitted)).json()["parent"], self.draft.key)
        rows = self.client.get(f"{LIST}?parent={self.draft.number}").json()["results"]
        self.assertEqual([r["key"] for r in rows], [self.submitted.key])

    def test_a_hidden_parent_filters_like_an_unknown_one(self) -> None:
        self.login(self.carol)
        hidden = self.client.get(f"{LIST}?parent={self.draft.number}").json()
        unknown = self.client.get(f"{LIST}?parent=9999").json()
        self.assertEqual(hidden["count"], 0)
        self.assertEqual(hidden["results"], unknown["results"])


class RequirementWriteTests(RequirementApiTestCase):
    def test_creating_with_criteria_and_tags(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            LIST,
            {
                "title": "Remind approvers after three days",
                "background": "Reviews stall when nobody is reminded.",
                "type": "functional",
                "priority": "could",
                "source": "meeting",
                "source_stakeholder": "Dana (ACME operations)",
                "parent": self.submitted.number,
                "business_value": 6,
                "effort_days": "2.5",
                "tags": ["notifications", "review"],
                "criteria": [
                    {"style": "free", "text": "A reminder is sent on day three."},
                    {
                        "style": "gherkin",
                        "given": "a pending review",
                        "when": "3 days pass",
                        "then": "the approver gets an e-mail",
                    },
                ],
                "note": "From the kick-off meeting",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-R4")
        self.assertEqual(body["status"], "draft")
        self.assertEqual(body["parent"], "ACME-R2")
        self.assertEqual(body["tags"], ["notifications", "review"])
        self.assertEqual(body["effort_days"], "2.5")
        self.assertEqual(len(body["criteria"]), 2)
        self.assertEqual(body["criteria"][1]["then"], "the approver gets an e-mail")
        self.assertEqual(body["current_version"], 1)
        self.assertEqual(len(body["current_version_hash"]), 64)
        self.assertEqual(body["available_transitions"], ["send_to_review"])
        requirement = Requirement.objects.get(number=4, project=self.project)
        self.assertEqual(requirement.current_version.note, "From the kick-off meeting")
        self.assertEqual(requirement.criteria.count(), 2)

    def test_an_empty_title_is_named_and_nothing_is_saved(self) -> None:
        self.login(self.bob)
        self.assertError(
            self.client.post(LIST, {"title": "  ", "criteria": []}, format="json"), 400, "title"
        )
        self.assertError(self.client.post(LIST, {"description": "x"}, format="json"), 400, "title")
        self.assertEqual(Requirement.objects.filter(project=self.project).count(), 3)

    def test_an_unknown_parent_is_named(self) -> None:
        self.login(self.bob)
        body = {"title": "Orphan", "parent": 999}
        self.assertError(self.client.post(LIST, body, format="json"), 400, "parent")
        self.assertEqual(Requirement.objects.filter(project=self.project).count(), 3)

    def test_a_cycle_in_the_hierarchy_is_refused(self) -> None:
        child = make_requirement(self.project, title="Child", parent=self.draft)
        self.login(self.alice)
        response = self.client.patch(url(self.draft), {"parent": child.number}, format="json")
        self.assertError(response, 400, "parent")

    def test_clients_viewers_and_outsiders_cannot_write(self) -> None:
        for user in (self.carol, self.dave, self.vera):
            self.login(user)
            self.assertError(self.client.post(LIST, {"title": "Sneaky"}, format="json"), 403)
            self.assertError(
                self.client.patch(url(self.submitted), {"title": "Sneaky"}, format="json"), 403
            )
        self.login(self.carol)
        self.assertError(self.client.patch(url(self.draft), {"title": "x"}, format="json"), 404)
        self.login(self.mallory)
        self.assertError(self.client.post(LIST, {"title": "Sneaky"}, format="json"), 404)
        self.assertEqual(Requirement.objects.filter(project=self.project).count(), 3)

    def test_patch_with_if_match_makes_a_new_version(self) -> None:
        self.login(self.bob)
        etag = self.etag(self.draft)
        criterion = self.draft.criteria.get()
        response = self.client.patch(
            url(self.draft),
            {
                "description": "Sign in with the company directory (Azure AD).",
                "criteria": [
                    {"id": criterion.pk, "style": "free", "text": criterion.text},
                    {"style": "free", "text": "Signing out ends the directory session."},
                ],
                "tags": ["security", "sso"],
                "note": "Named the directory",
            },
            format="json",
            headers={"if-match": etag},
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["current_version"], 2)
        self.assertEqual(body["tags"], ["security", "sso"])
        self.assertEqual(len(body["criteria"]), 2)
        self.assertNotEqual(response["ETag"], etag)
        self.assertEqual(body["criteria"][0]["id"], criterion.pk)

    def test_a_stale_if_match_is_refused_and_nothing_changes(self) -> None:
        self.login(self.bob)
        etag = self.etag(self.draft)
        self.client.patch(url(self.draft), {"description": "Changed first"}, format="json")
        response = self.client.patch(
            url(self.draft),
            {"description": "Mine"},
            format="json",
            headers={"if-match": etag},
        )
        self.assertError(response, 412)
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.description, "Changed first")
        self.assertEqual(self.draft.current_version.number, 2)

    def test_an_empty_patch_is_refused(self) -> None:
        self.login(self.bob)
        self.assertError(self.client.patch(url(self.draft), {}, format="json"), 400)

    def test_editing_a_confirmed_requirement_marks_it_changed(self) -> None:
        self.login(self.alice)
        response = self.client.patch(
            url(self.confirmed), {"description": "用户可以导出年度报表。"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertTrue(body["changed_since_confirmation"])
        self.assertFalse(body["is_confirmed"])
        self.assertEqual(body["current_version"], 2)
        self.assertEqual(body["confirmed_version"], 1)
        self.assertIn("submit", body["available_transitions"])
        self.login(self.carol)
        self.assertTrue(self.client.get(url(self.confirmed)).json()["changed_since_confirmation"])


class TransitionTests(RequirementApiTestCase):
    def test_the_team_moves_a_draft_to_review(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            url(self.draft, "transition/"), {"transition": "send_to_review"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "in_review")

    def test_a_step_the_table_does_not_allow_names_the_field(self) -> None:
        self.login(self.bob)
        body = self.assertError(
            self.client.post(
                url(self.draft, "transition/"), {"transition": "implement"}, format="json"
            ),
            400,
            "transition",
        )
        self.assertIn("Mark implemented", body["message"])
        self.draft.refresh_from_db()
        self.assertEqual(self.draft.status, Status.DRAFT)

    def test_an_unknown_step_names_the_field(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            url(self.draft, "transition/"), {"transition": "teleport"}, format="json"
        )
        self.assertError(response, 400, "transition")

    def test_a_client_step_by_the_team_is_forbidden(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            url(self.submitted, "transition/"), {"transition": "confirm"}, format="json"
        )
        self.assertError(response, 403)
        self.assertFalse(ClientDecision.objects.filter(requirement=self.submitted).exists())

    def test_a_manager_step_by_a_member_is_forbidden(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            url(self.submitted, "transition/"), {"transition": "recall"}, format="json"
        )
        self.assertError(response, 403)

    def test_submit_and_return_through_the_transition_endpoint(self) -> None:
        self.login(self.alice)
        self.client.post(
            url(self.draft, "transition/"), {"transition": "send_to_review"}, format="json"
        )
        response = self.client.post(
            url(self.draft, "transition/"),
            {"transition": "submit", "comment": "Please review"},
            format="json",
        )
        self.assertEqual(response.json()["status"], "submitted")
        self.login(self.dave)
        response = self.client.post(
            url(self.draft, "transition/"),
            {"transition": "return", "comment": "Which directory?"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "returned")
        decision = ClientDecision.objects.get(requirement=self.draft)
        self.assertEqual(decision.comment, "Which directory?")

    def test_a_stale_if_match_on_a_transition_answers_412(self) -> None:
        self.login(self.bob)
        etag = self.etag(self.draft)
        self.client.patch(url(self.draft), {"description": "Changed"}, format="json")
        response = self.client.post(
            url(self.draft, "transition/"),
            {"transition": "send_to_review"},
            format="json",
            headers={"if-match": etag},
        )
        self.assertError(response, 412)


class DecisionTests(RequirementApiTestCase):
    def test_the_approver_confirms_with_the_hash_read(self) -> None:
        self.login(self.dave)
        read = self.client.get(url(self.submitted)).json()
        response = self.client.post(
            url(self.submitted, "confirm/"),
            {"expected_hash": read["current_version_hash"], "comment": "Agreed"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["requirement"], "ACME-R2")
        self.assertEqual(body["decision"], "confirmed")
        self.assertEqual(body["version"], 1)
        self.assertEqual(body["content_hash"], read["current_version_hash"])
        self.assertEqual(body["decided_by"]["email"], "dave@example.com")
        detail = self.client.get(url(self.submitted)).json()
        self.assertEqual(detail["status"], "confirmed")
        self.assertEqual(detail["confirmed_version_hash"], read["current_version_hash"])

    def test_two_confirm_calls_make_one_confirmation(self) -> None:
        self.login(self.dave)
        first = self.client.post(url(self.submitted, "confirm/"), {}, format="json")
        self.assertEqual(first.status_code, 201, first.content)
        second = self.client.post(url(self.submitted, "confirm/"), {}, format="json")
        self.assertError(second, 400, "transition")
        confirmations = ClientDecision.objects.filter(
            requirement=self.submitted, decision=Decision.CONFIRMED
        )
        self.assertEqual(confirmations.count(), 1)

    def test_a_stale_hash_is_refused_naming_the_field(self) -> None:
        self.login(self.dave)
        response = self.client.post(
            url(self.submitted, "confirm/"), {"expected_hash": "0" * 64}, format="json"
        )
        self.assertError(response, 400, "expected_hash")
        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.status, Status.SUBMITTED)

    def test_carol_without_signing_authority_and_bob_get_403(self) -> None:
        for user in (self.carol, self.bob, self.alice):
            self.login(user)
            self.assertError(
                self.client.post(url(self.submitted, "confirm/"), {}, format="json"), 403
            )
            self.assertError(
                self.client.post(url(self.submitted, "return/"), {"comment": "x"}, format="json"),
                403,
            )
            self.assertError(
                self.client.post(f"{BASE}/confirmations/", {"requirements": [2]}, format="json"),
                403,
            )
        self.assertFalse(ClientDecision.objects.filter(requirement=self.submitted).exists())

    def test_returning_needs_a_comment(self) -> None:
        self.login(self.dave)
        self.assertError(
            self.client.post(url(self.submitted, "return/"), {"comment": " "}, format="json"),
            400,
            "comment",
        )
        response = self.client.post(
            url(self.submitted, "return/"), {"comment": "Which paper size?"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["decision"], "returned")

    def test_rejecting(self) -> None:
        self.login(self.dave)
        response = self.client.post(
            url(self.submitted, "reject/"), {"comment": "Out of scope"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.submitted.refresh_from_db()
        self.assertEqual(self.submitted.status, Status.REJECTED)

    def test_confirming_several_at_once(self) -> None:
        other = make_requirement(self.project, status=Status.SUBMITTED, title="Audit log")
        self.login(self.dave)
        response = self.client.post(
            f"{BASE}/confirmations/",
            {"requirements": [self.submitted.number, other.number], "comment": "Both fine"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual([d["requirement"] for d in response.json()], ["ACME-R2", "ACME-R4"])

    def test_confirming_several_is_all_or_nothing(self) -> None:
        self.login(self.dave)
        response = self.client.post(
            f"{BASE}/confirmations/",
            {"requirements": [self.submitted.number, self.confirmed.number]},
            format="json",
        )
        self.assertError(response, 400, "requirements")
        self.assertFalse(ClientDecision.objects.filter(requirement=self.submitted).exists())
        # A draft the approver cannot see reads like an unknown number.
        hidden = self.client.post(
            f"{BASE}/confirmations/", {"requirements": [self.draft.number]}, format="json"
        )
        unknown = self.client.post(f"{BASE}/confirmations/", {"requirements": [999]}, format="json")
        self.assertError(hidden, 400, "requirements")
        self.assertNotIn(DRAFT_MARKER, hidden.content.decode())
        self.assertEqual(
            hidden.json()["message"].replace("ACME-R1", "#"),
            unknown.json()["message"].replace("ACME-R999", "#"),
        )

    def test_decisions_are_listed_newest_first(self) -> None:
        self.login(self.dave)
        self.client.post(url(self.submitted, "return/"), {"comment": "Paper size?"}, format="json")
        self.login(self.carol)
        response = self.client.get(url(self.submitted, "decisions/"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([d["decision"] for d in response.json()], ["returned"])
        self.assertEqual(response.json()[0]["comment"], "Paper size?")


class SubmissionTests(RequirementApiTestCase):
    def test_the_manager_submits_with_a_message(self) -> None:
        make_requirement(self.project, status=Status.IN_REVIEW, title="Audit log")
        self.login(self.alice)
        response = self.client.post(
            f"{BASE}/submissions/",
            {"requirements": [4], "message": "Please review by Friday"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["message"], "Please review by Friday")
        self.assertEqual([i["requirement"] for i in body["items"]], ["ACME-R4"])
        self.login(self.carol)
        listed = self.client.get(f"{BASE}/submissions/").json()["results"]
        self.assertEqual(listed[0]["message"], "Please review by Friday")

    def test_a_draft_cannot_be_submitted_and_nothing_is_half_done(self) -> None:
        make_requirement(self.project, status=Status.IN_REVIEW, title="Audit log")
        self.login(self.alice)
        response = self.client.post(
            f"{BASE}/submissions/", {"requirements": [4, self.draft.number]}, format="json"
        )
        self.assertError(response, 400, "requirements")
        self.assertEqual(
            Requirement.objects.get(project=self.project, number=4).status, "in_review"
        )

    def test_only_the_manager_submits(self) -> None:
        for user in (self.bob, self.dave):
            self.login(user)
            self.assertError(
                self.client.post(f"{BASE}/submissions/", {"requirements": [1]}, format="json"),
                403,
            )

    def test_clients_see_only_items_still_shared_with_them(self) -> None:
        self.login(self.alice)
        self.client.post(
            url(self.submitted, "transition/"), {"transition": "recall"}, format="json"
        )
        self.login(self.carol)
        body = self.client.get(f"{BASE}/submissions/").json()
        items = [i["requirement"] for s in body["results"] for i in s["items"]]
        self.assertNotIn("ACME-R2", items)
        self.assertIn("ACME-R3", items)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)
        self.assertQueriesDoNotGrow(
            f"{BASE}/submissions/",
            lambda: [make_requirement(self.project, status=Status.SUBMITTED) for _ in range(3)],
        )


class VersionAndDiffTests(RequirementApiTestCase):
    def edit(self, requirement: Requirement, **data: Any) -> None:
        services.requirement_update(actor=self.alice, requirement=requirement, data=data)

    def test_versions_with_content_and_hash(self) -> None:
        self.edit(self.draft, description="Sign in with Azure AD.")
        self.login(self.bob)
        listed = self.client.get(url(self.draft, "versions/")).json()["results"]
        self.assertEqual([v["number"] for v in listed], [2, 1])
        detail = self.client.get(url(self.draft, "versions/1/")).json()
        self.assertEqual(detail["content"]["description"], "Sign in with the company directory.")
        self.assertEqual(len(detail["content_hash"]), 64)

    def test_clients_see_only_versions_they_were_shown(self) -> None:
        # v1 was submitted; recalled, edited twice while internal (v2, v3), submitted again
        # (v3 shown): the client never saw v2.
        steps = services.requirement_transition
        steps(actor=self.alice, requirement=self.submitted, transition="recall")
        self.edit(self.submitted, description="INTERNAL-SECRET-version wording")
        self.edit(self.submitted, description="Now with a cover page.")
        services.requirements_submit(
            actor=self.alice, project=self.project, requirements=[self.submitted]
        )
        self.login(self.bob)
        listed = self.client.get(url(self.submitted, "versions/")).json()["results"]
        self.assertEqual([v["number"] for v in listed], [3, 2, 1])
        self.login(self.carol)
        response = self.client.get(url(self.submitted, "versions/"))
        self.assertEqual([v["number"] for v in response.json()["results"]], [3, 1])
        self.assertNotIn("INTERNAL-SECRET-version", response.content.decode())
        hidden = self.assertError(self.client.get(url(self.submitted, "versions/2/")), 404)
        unknown = self.assertError(self.client.get(url(self.submitted, "versions/9/")), 404)
        self.assertEqual(hidden, unknown)
        diff = self.client.get(url(self.submitted, "diff/"), {"from": 2, "to": 3})
        self.assertError(diff, 400, "from")
        self.assertNotIn("INTERNAL-SECRET-version", diff.content.decode())
        default = self.client.get(url(self.submitted, "diff/")).json()
        self.assertEqual((default["from"]["number"], default["to"]["number"]), (1, 3))

    def test_diff_shows_english_words_and_chinese_characters(self) -> None:
        self.login(self.alice)
        self.client.patch(
            url(self.confirmed),
            {"title": "支持导出Excel报表", "description": "用户可以导出年度报表。"},
            format="json",
        )
        self.client.patch(
            url(self.confirmed),
            {"background": "Managers print reports every month."},
            format="json",
        )
        self.client.patch(
            url(self.confirmed),
            {"background": "Managers print reports every week."},
            format="json",
        )
        self.login(self.carol)
        response = self.client.get(url(self.confirmed, "diff/"), {"from": 1, "to": 2})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["from"]["number"], 1)
        self.assertEqual(body["to"]["number"], 2)
        fields = {f["name"]: f for f in body["fields"]}
        self.assertTrue(fields["title"]["changed"])
        self.assertEqual(
            fields["title"]["ops"],
            [["equal", "支持导出"], ["delete", "PDF"], ["insert", "Excel"], ["equal", "报表"]],
        )
        self.assertEqual(
            fields["description"]["ops"],
            [["equal", "用户可以导出"], ["delete", "月"], ["insert", "年"], ["equal", "度报表。"]],
        )
        self.assertFalse(fields["priority"]["changed"])
        self.assertEqual(fields["priority"]["label"], "Priority")
        english = self.client.get(url(self.confirmed, "diff/"), {"from": 3, "to": 4}).json()
        background = {f["name"]: f for f in english["fields"]}["background"]
        self.assertEqual(
            background["ops"],
            [
                ["equal", "Managers print reports every "],
                ["delete", "month"],
                ["insert", "week"],
                ["equal", "."],
            ],
        )

    def test_diff_defaults_to_the_confirmed_version_against_the_latest(self) -> None:
        self.edit(self.confirmed, description="第二版")
        self.edit(self.confirmed, description="第三版")
        self.login(self.bob)
        body = self.client.get(url(self.confirmed, "diff/")).json()
        self.assertEqual((body["from"]["number"], body["to"]["number"]), (1, 3))

    def test_an_unknown_version_in_a_diff_is_named(self) -> None:
        self.login(self.bob)
        self.assertError(self.client.get(url(self.confirmed, "diff/"), {"from": 9}), 400, "from")
        self.assertError(self.client.get(url(self.confirmed, "diff/"), {"to": "x"}), 400, "to")


class CriteriaTests(RequirementApiTestCase):
    def test_the_team_verifies_a_criterion_with_a_note(self) -> None:
        criterion = self.submitted.criteria.order_by("position").first()
        self.login(self.bob)
        response = self.client.post(
            url(self.submitted, f"criteria/{criterion.pk}/verify/"),
            {"verified": True, "note": "Checked against March"},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertTrue(response.json()["verified"])
        self.assertEqual(response.json()["verified_by"]["email"], "bob@example.com")
        self.login(self.carol)
        listed = self.client.get(url(self.submitted, "criteria/")).json()
        self.assertEqual(len(listed), 2)
        self.assertEqual(listed[0]["verification_note"], "Checked against March")

    def test_clients_cannot_verify_and_other_requirements_criteria_are_not_found(self) -> None:
        criterion = self.submitted.criteria.order_by("position").first()
        self.login(self.dave)
        self.assertError(
            self.client.post(
                url(self.submitted, f"criteria/{criterion.pk}/verify/"),
                {"verified": True},
                format="json",
            ),
            403,
        )
        self.login(self.bob)
        self.assertError(
            self.client.post(
                url(self.confirmed, f"criteria/{criterion.pk}/verify/"),
                {"verified": True},
                format="json",
            ),
            404,
        )
        self.assertFalse(AcceptanceCriterion.objects.filter(verified=True).exists())


class CommentTests(RequirementApiTestCase):
    def bodies(self, response: Any) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [c["body"] for c in response.json()["results"]]

    def test_clients_read_only_shared_comments(self) -> None:
        for user in (self.carol, self.dave):
            self.login(user)
            response = self.client.get(url(self.submitted, "comments/"))
            self.assertEqual(self.bodies(response), ["Is A4 landscape fine for you?"])
            self.assertNotIn(INTERNAL_COMMENT, response.content.decode())
        self.login(self.vera)
        self.assertEqual(len(self.bodies(self.client.get(url(self.submitted, "comments/")))), 2)

    def test_a_client_comment_is_always_shared(self) -> None:
        self.login(self.carol)
        response = self.client.post(
            url(self.submitted, "comments/"), {"body": "A4 landscape is **fine**."}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["visibility"], "shared")
        self.assertIn("<strong>fine</strong>", response.json()["body_html"])

    def test_a_client_comment_sent_as_internal_is_refused_naming_the_field(self) -> None:
        self.login(self.carol)
        response = self.client.post(
            url(self.submitted, "comments/"),
            {"body": "Only for the team, please.", "visibility": "internal"},
            format="json",
        )
        self.assertError(response, 400, "visibility")
        self.assertFalse(Comment.objects.filter(body="Only for the team, please.").exists())

    def test_a_team_comment_is_internal_unless_shared(self) -> None:
        self.login(self.bob)
        posted = self.client.post(url(self.submitted, "comments/"), {"body": "Hi"}, format="json")
        self.assertEqual(posted.status_code, 201, posted.content)
        self.assertEqual(posted.json()["visibility"], "internal")

    def test_internal_comments_cannot_be_deleted_by_clients_or_seen(self) -> None:
        self.login(self.carol)
        hidden = self.client.delete(url(self.submitted, f"comments/{self.internal_comment.pk}/"))
        self.assertError(hidden, 404)
        self.assertError(
            self.client.delete(url(self.submitted, f"comments/{self.shared_comment.pk}/")), 403
        )
        self.assertEqual(Comment.objects.count(), 2)

    def test_the_author_deletes_a_comment(self) -> None:
        self.login(self.bob)
        response = self.client.delete(url(self.submitted, f"comments/{self.internal_comment.pk}/"))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Comment.objects.filter(pk=self.internal_comment.pk).exists())

    def test_viewers_cannot_comment_and_clients_not_on_drafts(self) -> None:
        self.login(self.vera)
        self.assertError(
            self.client.post(url(self.submitted, "comments/"), {"body": "Hi"}, format="json"), 403
        )
        self.login(self.carol)
        self.assertError(
            self.client.post(url(self.draft, "comments/"), {"body": "Hi"}, format="json"), 404
        )

    def test_an_empty_comment_is_named(self) -> None:
        self.login(self.bob)
        self.assertError(
            self.client.post(url(self.submitted, "comments/"), {"body": ""}, format="json"),
            400,
            "body",
        )

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for n in range(3):
                services.comment_create(
                    actor=self.carol,
                    requirement=self.submitted,
                    body=f"Question {n} for @alice",
                    visibility=Visibility.SHARED,
                )

        self.assertQueriesDoNotGrow(url(self.submitted, "comments/"), add_rows)


class LinkTests(RequirementApiTestCase):
    def test_the_team_links_requirements_and_clients_see_only_visible_ends(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            url(self.submitted, "links/"),
            {"target": self.confirmed.number, "kind": "depends_on"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["target"]["key"], "ACME-R3")
        self.assertEqual(response.json()["direction"], "out")
        self.client.post(
            url(self.draft, "links/"),
            {"target": self.submitted.number, "kind": "refines"},
            format="json",
        )
        self.login(self.carol)
        response = self.client.get(url(self.submitted, "links/"))
        rows = response.json()["results"]
        self.assertEqual([(r["direction"], r["kind"]) for r in rows], [("out", "depends_on")])
        self.assertNotIn(DRAFT_MARKER, response.content.decode())
        self.login(self.bob)
        rows = self.client.get(url(self.submitted, "links/")).json()["results"]
        self.assertEqual(len(rows), 2)

    def test_bad_links_are_refused_naming_the_field(self) -> None:
        self.login(self.bob)
        self.assertError(
            self.client.post(
                url(self.submitted, "links/"), {"target": 999, "kind": "refines"}, format="json"
            ),
            400,
            "target",
        )
        self.assertError(
            self.client.post(
                url(self.submitted, "links/"),
                {"target": self.submitted.number, "kind": "refines"},
                format="json",
            ),
            400,
            "target",
        )
        self.assertFalse(RequirementLink.objects.exists())

    def test_removing_a_link(self) -> None:
        link = services.link_create(
            actor=self.bob, source=self.submitted, target=self.confirmed, kind="refines"
        )
        self.login(self.carol)
        self.assertError(self.client.delete(url(self.submitted, f"links/{link.pk}/")), 403)
        self.login(self.bob)
        self.assertEqual(
            self.client.delete(url(self.submitted, f"links/{link.pk}/")).status_code, 204
        )
        self.assertFalse(RequirementLink.objects.exists())


class BulkTagTests(RequirementApiTestCase):
    def test_tags_are_added_and_removed_on_many(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            f"{LIST}bulk-tag/",
            {"requirements": [2, 3], "add": ["phase-1"], "remove": ["reports"]},
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"changed": 2})
        listed = self.client.get(LIST, {"tag": "phase-1"}).json()["results"]
        self.assertEqual(
            [(r["key"], r["tags"]) for r in listed],
            [("ACME-R2", ["phase-1"]), ("ACME-R3", ["phase-1"])],
        )

    def test_nothing_to_change_and_unknown_numbers_are_named(self) -> None:
        self.login(self.bob)
        self.assertError(
            self.client.post(f"{LIST}bulk-tag/", {"requirements": [2]}, format="json"), 400, "add"
        )
        self.assertError(
            self.client.post(
                f"{LIST}bulk-tag/", {"requirements": [2, 99], "add": ["x"]}, format="json"
            ),
            400,
            "requirements",
        )

    def test_clients_cannot_tag(self) -> None:
        self.login(self.dave)
        self.assertError(
            self.client.post(
                f"{LIST}bulk-tag/", {"requirements": [2], "add": ["x"]}, format="json"
            ),
            403,
        )


class BaselineTests(RequirementApiTestCase):
    def test_the_manager_freezes_confirmed_requirements(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            f"{BASE}/baselines/",
            {"name": "Scope v1", "description": "After the workshop"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-B1")
        self.assertEqual(len(body["content_hash"]), 64)
        self.confirmed.refresh_from_db()
        self.assertEqual(
            body["items"],
            [
                {
                    "hidden": False,
                    "key": "ACME-R3",
                    "number": 3,
                    "title": "支持导出PDF报表",
                    "version": 1,
                    "content_hash": self.confirmed.confirmed_version.content_hash,
                }
            ],
        )
        self.login(self.carol)
        listed = self.client.get(f"{BASE}/baselines/").json()["results"]
        self.assertEqual([(b["key"], b["item_count"]) for b in listed], [("ACME-B1", 1)])
        self.assertEqual(
            self.client.get(f"{BASE}/baselines/1/").json()["items"][0]["key"], "ACME-R3"
        )

    def test_only_the_manager_creates_baselines_and_a_name_is_needed(self) -> None:
        for user in (self.bob, self.dave):
            self.login(user)
            self.assertError(
                self.client.post(f"{BASE}/baselines/", {"name": "x"}, format="json"), 403
            )
        self.login(self.alice)
        self.assertError(
            self.client.post(f"{BASE}/baselines/", {"name": ""}, format="json"), 400, "name"
        )

    def test_compare_two_baselines_and_a_baseline_with_today(self) -> None:
        first = services.baseline_create(actor=self.alice, project=self.project, name="v1")
        services.requirement_confirm(actor=self.dave, requirement=self.submitted)
        services.requirement_update(
            actor=self.alice, requirement=self.confirmed, data={"description": "改了。"}
        )
        services.requirements_submit(
            actor=self.alice, project=self.project, requirements=[self.confirmed]
        )
        services.requirement_confirm(actor=self.dave, requirement=self.confirmed)
        second = services.baseline_create(actor=self.alice, project=self.project, name="v2")
        self.login(self.carol)
        response = self.client.get(
            f"{BASE}/baselines/compare/", {"from": first.number, "to": second.number}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["from_baseline"]["key"], "ACME-B1")
        self.assertEqual(body["to_baseline"]["key"], "ACME-B2")
        self.assertEqual([(e["key"], e["to_version"]) for e in body["added"]], [("ACME-R2", 1)])
        self.assertEqual(body["removed"], [])
        self.assertEqual(
            [(e["key"], e["from_version"], e["to_version"]) for e in body["changed"]],
            [("ACME-R3", 1, 2)],
        )
        today = self.client.get(f"{BASE}/baselines/compare/", {"from": second.number}).json()
        self.assertEqual(today["to_baseline"]["key"], None)
        self.assertEqual((today["added"], today["removed"], today["changed"]), ([], [], []))
        self.assertEqual(today["unchanged"], 2)

    def test_compare_names_a_bad_side(self) -> None:
        self.login(self.bob)
        self.assertError(self.client.get(f"{BASE}/baselines/compare/"), 400, "from")
        self.assertError(self.client.get(f"{BASE}/baselines/compare/", {"from": 7}), 400, "from")
        services.baseline_create(actor=self.alice, project=self.project, name="v1")
        self.assertError(
            self.client.get(f"{BASE}/baselines/compare/", {"from": 1, "to": "yesterday"}), 400, "to"
        )


class ListQueryCountTests(RequirementApiTestCase):
    """Every list answers in a number of queries that does not depend on its length."""

    def test_versions(self) -> None:
        self.login(self.carol)
        counter = iter(range(100))

        def add_rows() -> None:
            for _ in range(3):
                n = next(counter)
                services.requirement_update(
                    actor=self.alice, requirement=self.confirmed, data={"description": f"第{n}版"}
                )

        self.assertQueriesDoNotGrow(url(self.confirmed, "versions/"), add_rows)

    def test_decisions(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for _ in range(2):
                services.requirement_return(
                    actor=self.dave, requirement=self.submitted, comment="Not yet"
                )
                self.submitted.refresh_from_db()
                services.requirement_transition(
                    actor=self.alice, requirement=self.submitted, transition="rework"
                )
                services.requirement_transition(
                    actor=self.alice, requirement=self.submitted, transition="send_to_review"
                )
                services.requirements_submit(
                    actor=self.alice, project=self.project, requirements=[self.submitted]
                )
                self.submitted.refresh_from_db()

        self.assertQueriesDoNotGrow(url(self.submitted, "decisions/"), add_rows)

    def test_links(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for _ in range(3):
                target = make_requirement(self.project, status=Status.SUBMITTED)
                services.link_create(
                    actor=self.bob, source=self.submitted, target=target, kind="depends_on"
                )

        self.assertQueriesDoNotGrow(url(self.submitted, "links/"), add_rows)

    def test_baselines_and_a_baseline_with_its_items(self) -> None:
        self.login(self.carol)

        def add_rows() -> None:
            for _ in range(2):
                make_requirement(self.project, status=Status.CONFIRMED)
                services.baseline_create(actor=self.alice, project=self.project, name="Scope")

        self.assertQueriesDoNotGrow(f"{BASE}/baselines/", add_rows)
        self.assertQueriesDoNotGrow(f"{BASE}/baselines/1/", add_rows)
        self.assertQueriesDoNotGrow(f"{BASE}/baselines/compare/?from=1", add_rows)

    def test_requirement_detail_does_not_grow_with_criteria_and_tags(self) -> None:
        self.login(self.dave)
        counter = iter(range(100))

        def add_rows() -> None:
            n = next(counter)
            criteria = [
                {
                    "id": c.pk,
                    "style": c.style,
                    "text": c.text,
                    "given": c.given,
                    "when": c.when,
                    "then": c.then,
                }
                for c in self.submitted.criteria.order_by("position")
            ]
            criteria += [{"style": "free", "text": f"Extra check {n}.{i}"} for i in range(3)]
            services.requirement_update(
                actor=self.alice,
                requirement=self.submitted,
                data={},
                criteria=criteria,
                tags=[*self.submitted.tags.values_list("name", flat=True), f"t{n}"],
            )
            for criterion in self.submitted.criteria.all():
                services.criterion_verify(actor=self.bob, criterion=criterion, verified=True)

        self.assertQueriesDoNotGrow(url(self.submitted), add_rows)


class RequirementSchemaTests(ApiTestCase):
    PATHS = [
        "/requirements/",
        "/requirements/{number}/",
        "/requirements/{number}/transition/",
        "/requirements/{number}/confirm/",
        "/requirements/{number}/return/",
        "/requirements/{number}/reject/",
        "/requirements/{number}/decisions/",
        "/requirements/{number}/diff/",
        "/requirements/{number}/versions/",
        "/requirements/{number}/versions/{version}/",
        "/requirements/{number}/criteria/",
        "/requirements/{number}/criteria/{id}/verify/",
        "/requirements/{number}/comments/",
        "/requirements/{number}/comments/{id}/",
        "/requirements/{number}/links/",
        "/requirements/{number}/links/{id}/",
        "/requirements/bulk-tag/",
        "/submissions/",
        "/confirmations/",
        "/baselines/",
        "/baselines/{number}/",
        "/baselines/compare/",
    ]

    def test_every_endpoint_is_in_the_schema_with_its_shapes(self) -> None:
        schema = self.client.get("/api/schema/", {"format": "json"}).json()
        paths = schema["paths"]
        for tail in self.PATHS:
            self.assertIn(f"/api/v1/projects/{{project_key}}{tail}", paths)
        detail = paths["/api/v1/projects/{project_key}/requirements/{number}/"]
        self.assertIn("If-Match", {p["name"] for p in detail["patch"]["parameters"]})
        diff = paths["/api/v1/projects/{project_key}/requirements/{number}/diff/"]["get"]
        self.assertEqual({"from", "to"} & {p["name"] for p in diff["parameters"]}, {"from", "to"})
        components = schema["components"]["schemas"]
        self.assertEqual(set(components["Diff"]["properties"]), {"key", "from", "to", "fields"})
        self.assertIn("ops", components["DiffField"]["properties"])
        self.assertIn("available_transitions", components["RequirementDetail"]["properties"])
        for name in ("RequirementInputRequest", "SubmissionInputRequest", "DecisionInputRequest"):
            self.assertIn(name, components)


class LanguageTests(RequirementApiTestCase):
    def test_a_chinese_approvers_token_request_is_answered_in_chinese(self) -> None:
        self.dave.language = Language.CHINESE
        self.dave.save()
        _, plain = api_token_create(user=self.dave, name="portal")
        headers = {"authorization": f"Token {plain}"}
        response = self.client.post(LIST, {"title": "x"}, format="json", headers=headers)
        self.assertEqual(self.assertError(response, 403)["message"], "您没有执行该操作的权限。")
        self.assertEqual(response["Content-Language"], "zh-hans")
        response = self.client.post(
            url(self.submitted, "return/"), {}, format="json", headers=headers
        )
        self.assertEqual(self.assertError(response, 400, "comment")["message"], "该字段是必填项。")


class FullLoopTests(ApiTestCase):
    """The loop of the issue, through the API only: draft → review → submitted → returned with a
    comment → edited (new version, diff) → resubmitted → confirmed → baseline → edited after
    confirmation, which shows as changed and needs confirming again."""

    def test_the_whole_loop(self) -> None:
        self.login(self.alice)
        created = self.client.post(
            LIST,
            {
                "title": "Export the monthly report as PDF",
                "description": "Managers download the report of any past month.",
                "criteria": [{"style": "free", "text": "The PDF matches the screen."}],
            },
            format="json",
        )
        self.assertEqual(created.status_code, 201, created.content)
        number = created.json()["number"]
        one = f"{LIST}{number}/"

        def step(transition: str, comment: str = "") -> dict:
            response = self.client.post(
                f"{one}transition/", {"transition": transition, "comment": comment}, format="json"
            )
            self.assertEqual(response.status_code, 200, response.content)
            return response.json()

        step("send_to_review")
        submission = self.client.post(
            f"{BASE}/submissions/",
            {"requirements": [number], "message": "Please review"},
            format="json",
        )
        self.assertEqual(submission.status_code, 201, submission.content)

        self.login(self.dave)
        returned = self.client.post(
            f"{one}return/", {"comment": "Which months? Only closed ones?"}, format="json"
        )
        self.assertEqual(returned.json()["decision"], "returned")

        self.login(self.alice)
        self.assertEqual(step("rework")["status"], "draft")
        etag = self.client.get(one)["ETag"]
        edited = self.client.patch(
            one,
            {"description": "Managers download the report of any closed month."},
            format="json",
            headers={"if-match": etag},
        )
        self.assertEqual(edited.json()["current_version"], 2)
        step("send_to_review")
        self.assertEqual(step("submit", "Now only closed months")["status"], "submitted")

        self.login(self.dave)
        diff = self.client.get(f"{one}diff/", {"from": 1, "to": 2}).json()
        description = {f["name"]: f for f in diff["fields"]}["description"]
        self.assertIn(["delete", "past"], description["ops"])
        self.assertIn(["insert", "closed"], description["ops"])
        read = self.client.get(one).json()
        confirmed = self.client.post(
            f"{one}confirm/", {"expected_hash": read["current_version_hash"]}, format="json"
        )
        self.assertEqual(confirmed.status_code, 201, confirmed.content)

        self.login(self.alice)
        baseline = self.client.post(f"{BASE}/baselines/", {"name": "Scope v1"}, format="json")
        self.assertEqual(baseline.json()["items"][0]["version"], 2)
        changed = self.client.patch(
            one, {"title": "Export the monthly report as PDF or Excel"}, format="json"
        ).json()
        self.assertTrue(changed["changed_since_confirmation"])
        self.assertIn("submit", changed["available_transitions"])

        self.login(self.carol)
        seen = self.client.get(one).json()
        self.assertTrue(seen["changed_since_confirmation"])
        self.assertEqual((seen["confirmed_version"], seen["current_version"]), (2, 3))
        today = self.client.get(f"{BASE}/baselines/compare/", {"from": 1}).json()
        self.assertEqual(today["changed"], [])  # the agreed scope is still version 2
        decisions = self.client.get(f"{one}decisions/").json()
        self.assertEqual([d["decision"] for d in decisions], ["confirmed", "returned"])
