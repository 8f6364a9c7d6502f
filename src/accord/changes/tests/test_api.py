"""Change control over the API: the whole path (a client raises → the PM assesses → PM and
client approver approve → applied → versions confirmed by the change, a baseline, verify
passes), what clients see, If-Match, decisions bound to the hash, refusals naming the field,
and list queries that do not grow."""

from __future__ import annotations

from typing import Any

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.changes.choices import Status
from accord.changes.models import ChangeApproval, ChangeRequest
from accord.changes.tests.factories import make_change
from accord.core.integrity import run_checks
from accord.core.models import AuditEvent
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.models import ClientDecision, Requirement
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

BASE = "/api/v1/projects/ACME"
LIST = f"{BASE}/changes/"
INTERNAL_MARKER = "INTERNAL-SECRET-change"


def url(change: ChangeRequest, tail: str = "") -> str:
    return f"{LIST}{change.number}/{tail}"


class ChangeApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.agreed = make_requirement(
            cls.project, status=RequirementStatus.CONFIRMED, title="Monthly report as PDF"
        )
        cls.draft_requirement = make_requirement(cls.project, title="INTERNAL-SECRET-requirement")
        cls.milestone = MilestoneFactory(project=cls.project, visibility="shared")
        cls.internal_risk = make_risk(cls.project, title="INTERNAL-SECRET-risk")

    def _state(self, change: ChangeRequest) -> tuple:
        change.refresh_from_db()
        return (
            change.status,
            change.version,
            change.revision,
            change.content_hash,
            ChangeApproval.objects.filter(change_request=change).count(),
            Requirement.objects.count(),
        )


class EndToEndTests(ChangeApiTestCase):
    def test_client_raises_pm_assesses_both_approve_pm_applies(self) -> None:
        # The client raises it from the portal.
        self.login(self.carol)
        response = self.client.post(
            LIST,
            {
                "title": "Report also as CSV",
                "type": "modify_scope",
                "reason": "Finance imports it.",
                "items": [
                    {
                        "action": "modify",
                        "requirement": self.agreed.number,
                        "proposed": {"description": "Monthly, as PDF and CSV."},
                    },
                    {"action": "add", "proposed": {"title": "CSV export for finance"}},
                ],
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-CR1")
        self.assertEqual(body["visibility"], "shared")
        self.assertEqual(body["requested_by"]["email"], "carol@example.com")
        self.assertEqual(body["items"][0]["requirement"], self.agreed.key)
        self.assertEqual(body["transitions"], ["submit", "withdraw"])
        change = ChangeRequest.objects.get(number=1)
        response = self.client.post(url(change, "transition/"), {"transition": "submit"})
        self.assertEqual(response.json()["status"], "submitted")

        # The PM assesses it, with the impact shown, and asks for approval.
        self.login(self.alice)
        self.client.post(url(change, "transition/"), {"transition": "assess"})
        etag = self.client.get(url(change))["ETag"]
        response = self.client.patch(
            url(change),
            {
                "effort_days": "2.5",
                "cost": "800.00",
                "cost_currency": "EUR",
                "assessment": "Half a week.",
                "schedule": [{"milestone": self.milestone.number, "shift_days": 3}],
                "new_risks": [self.internal_risk.number],
            },
            format="json",
            HTTP_IF_MATCH=etag,
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["revision"], 2)
        self.assertEqual(response.json()["schedule"][0]["shift_days"], 3)
        impact = self.client.get(url(change, "impact/")).json()
        self.assertEqual(impact["lines"][0]["changed_fields"], ["description"])
        self.assertEqual(impact["lines"][0]["superseded_confirmation"]["version"], 1)
        self.assertEqual(impact["new_risks"], [self.internal_risk.key])
        response = self.client.post(url(change, "transition/"), {"transition": "request_approval"})
        self.assertEqual(response.json()["status"], "awaiting_approval")
        self.assertEqual(response.json()["may_decide_as"], "manager")

        # The client sees the impact without internal risks.
        self.login(self.dave)
        impact = self.client.get(url(change, "impact/")).json()
        self.assertEqual(impact["new_risks"], [])
        self.assertEqual(impact["hidden_risks"], 1)
        self.assertNotIn("INTERNAL-SECRET", str(impact))

        # Both approve, each on the hash they read.
        for person, slot in ((self.dave, "client"), (self.alice, "manager")):
            self.login(person)
            detail = self.client.get(url(change)).json()
            self.assertEqual(detail["may_decide_as"], slot)
            response = self.client.post(
                url(change, "decide/"),
                {"decision": "approved", "content_hash": detail["content_hash"]},
            )
            self.assertEqual(response.status_code, 201, response.content)
            self.assertEqual(response.json()["slot"], slot)
        change.refresh_from_db()
        self.assertEqual(change.status, Status.APPROVED)

        # The PM applies it.
        response = self.client.post(
            url(change, "apply/"), {"baseline_name": "After CR1"}, format="json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["status"], "implemented")
        self.assertEqual(body["baseline"], "ACME-B1")
        self.assertEqual(body["items"][0]["result_version"], 2)
        self.agreed.refresh_from_db()
        self.assertEqual(self.agreed.confirmed_version.number, 2)
        decision = ClientDecision.objects.get(version=self.agreed.confirmed_version)
        self.assertEqual(decision.change_request, change)
        self.assertEqual(decision.decided_by, self.dave)
        self.assertTrue(all(result.ok for result in run_checks()))
        # A second click is refused and applies nothing.
        before = self._state(change)
        response = self.client.post(url(change, "apply/"), {}, format="json")
        self.assertError(response, 400, "status")
        self.assertEqual(self._state(change), before)

        # The change log's figures.
        figures = self.client.get(f"{BASE}/change-metrics/").json()
        self.assertEqual(figures["by_state"], {"implemented": 1})
        self.assertEqual(figures["approved_shift_days"], 3)
        self.assertEqual(figures["approved_cost"], {"EUR": "800.00"})


class ReadTests(ChangeApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.internal = make_change(
            cls.project,
            title=f"{INTERNAL_MARKER} idea",
            items=[{"action": "withdraw", "requirement": cls.draft_requirement}],
        )
        cls.shared = make_change(
            cls.project,
            status=Status.AWAITING_APPROVAL,
            title="Shared request",
            items=[
                {
                    "action": "modify",
                    "requirement": cls.agreed,
                    "proposed": {"title": "Monthly report as PDF and CSV"},
                },
                {"action": "withdraw", "requirement": cls.draft_requirement},
            ],
        )

    def test_client_lists_only_shared_requests(self) -> None:
        self.login(self.carol)
        body = self.client.get(LIST).json()
        self.assertEqual([row["key"] for row in body["results"]], [self.shared.key])
        self.assertNotIn(INTERNAL_MARKER, str(body))
        self.assertError(self.client.get(url(self.internal)), 404)
        self.login(self.bob)
        keys = [row["key"] for row in self.client.get(LIST).json()["results"]]
        self.assertEqual(keys, [self.shared.key, self.internal.key])

    def test_client_detail_hides_lines_on_internal_requirements(self) -> None:
        self.login(self.carol)
        body = self.client.get(url(self.shared)).json()
        hidden = body["items"][1]
        self.assertTrue(hidden["hidden"])
        self.assertIsNone(hidden["requirement"])
        self.assertEqual(hidden["proposed"], {})
        self.assertNotIn("INTERNAL-SECRET", str(body))
        impact = self.client.get(url(self.shared, "impact/")).json()
        self.assertTrue(impact["lines"][1]["hidden"])
        self.assertNotIn("INTERNAL-SECRET", str(impact))

    def test_filters_and_ordering(self) -> None:
        self.login(self.alice)
        rows = self.client.get(LIST, {"status": "draft"}).json()["results"]
        self.assertEqual([r["key"] for r in rows], [self.internal.key])
        rows = self.client.get(LIST, {"q": "CR2"}).json()["results"]
        self.assertEqual([r["key"] for r in rows], [self.shared.key])
        rows = self.client.get(LIST, {"ordering": "number"}).json()["results"]
        self.assertEqual([r["key"] for r in rows], [self.internal.key, self.shared.key])
        self.assertError(self.client.get(LIST, {"status": "nonsense"}), 400, "status")

    def test_list_queries_do_not_grow(self) -> None:
        self.login(self.alice)
        self.assertQueriesDoNotGrow(LIST, lambda: make_change(self.project))
        self.login(self.carol)
        self.assertQueriesDoNotGrow(
            LIST, lambda: make_change(self.project, status=Status.SUBMITTED)
        )

    def test_etag_and_not_modified(self) -> None:
        self.login(self.alice)
        response = self.client.get(url(self.shared))
        etag = response["ETag"]
        self.assertEqual(
            self.client.get(url(self.shared), HTTP_IF_NONE_MATCH=etag).status_code, 304
        )

    def test_approvals_list_shows_voided_decisions(self) -> None:
        self.login(self.alice)
        self.client.post(
            url(self.shared, "decide/"),
            {"decision": "approved", "content_hash": self.shared.content_hash},
        )
        self.login(self.bob)
        self.client.patch(url(self.shared), {"background": "More detail."}, format="json")
        rows = self.client.get(url(self.shared, "approvals/")).json()
        self.assertEqual(len(rows), 1)
        self.assertFalse(rows[0]["is_live"])
        self.assertIn("revision 1 → 2", rows[0]["void_reason"])

    def test_policy_read_and_set(self) -> None:
        self.login(self.carol)
        body = self.client.get(f"{BASE}/change-policy/").json()
        self.assertTrue(body["is_default"])
        self.assertEqual(body["client_approvals"], 1)
        self.assertEqual(
            self.client.put(f"{BASE}/change-policy/", {}, format="json").status_code, 403
        )
        self.login(self.alice)
        response = self.client.put(
            f"{BASE}/change-policy/",
            {
                "require_manager": True,
                "client_approvals": 1,
                "board": [self.bob.pk, self.vera.pk],
                "board_approvals": 1,
                "decision_days": 3,
            },
            format="json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["board"], sorted([self.bob.pk, self.vera.pk]))
        self.assertFalse(response.json()["is_default"])
        response = self.client.put(
            f"{BASE}/change-policy/",
            {"require_manager": True, "client_approvals": 0, "board": [self.mallory.pk],
             "board_approvals": 1, "decision_days": 3},
            format="json",
        )  # fmt: skip
        self.assertError(response, 400, "board")
        self.assertEqual(self.client.get(f"{BASE}/change-policy/").json()["client_approvals"], 1)


class RefusalTests(ChangeApiTestCase):
    def setUp(self) -> None:
        self.change = make_change(self.project, status=Status.AWAITING_APPROVAL)

    def _assert_refused(self, response: Any, code: int, field: str | None) -> None:
        before = self._state(self.change)
        self.assertError(response, code, field)
        self.assertEqual(self._state(self.change), before)

    def test_redline_on_another_projects_requirement(self) -> None:
        other = make_requirement(self.other_project, actor=self.mallory)
        self.login(self.bob)
        response = self.client.post(
            LIST,
            {
                "title": "X",
                "reason": "Y",
                "items": [{"action": "withdraw", "requirement": other.number + 100}],
            },
            format="json",
        )
        self.assertError(response, 400, "items")
        self.assertEqual(ChangeRequest.objects.count(), 1)

    def test_client_cannot_name_an_internal_requirement(self) -> None:
        self.login(self.carol)
        response = self.client.post(
            LIST,
            {
                "title": "X",
                "reason": "Y",
                "items": [{"action": "withdraw", "requirement": self.draft_requirement.number}],
            },
            format="json",
        )
        body = self.assertError(response, 400, "items")
        self.assertNotIn("INTERNAL-SECRET", body["message"])
        self.assertEqual(ChangeRequest.objects.count(), 1)

    def test_decision_without_authority_is_403(self) -> None:
        self.login(self.carol)
        response = self.client.post(
            url(self.change, "decide/"),
            {"decision": "approved", "content_hash": self.change.content_hash},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self._state(self.change)[4], 0)

    def test_self_approval_refused(self) -> None:
        own = make_change(self.project, status=Status.UNDER_ASSESSMENT, actor=self.alice)
        self.login(self.alice)
        response = self.client.post(url(own, "transition/"), {"transition": "request_approval"})
        self.assertError(response, 400, "transition")
        own.refresh_from_db()
        self.assertEqual(own.status, Status.UNDER_ASSESSMENT)

    def test_stale_hash_and_missing_comment(self) -> None:
        self.login(self.dave)
        response = self.client.post(
            url(self.change, "decide/"), {"decision": "approved", "content_hash": "0" * 64}
        )
        self._assert_refused(response, 400, "content_hash")
        response = self.client.post(
            url(self.change, "decide/"),
            {"decision": "rejected", "content_hash": self.change.content_hash},
        )
        self._assert_refused(response, 400, "comment")

    def test_stale_edit_is_412_and_409(self) -> None:
        self.login(self.bob)
        stale = etag_for(self.change, self.change.version - 1)
        response = self.client.patch(
            url(self.change), {"title": "New"}, format="json", HTTP_IF_MATCH=stale
        )
        self._assert_refused(response, 412, None)

    def test_apply_of_a_request_not_approved(self) -> None:
        self.login(self.alice)
        response = self.client.post(url(self.change, "apply/"), {}, format="json")
        self._assert_refused(response, 400, "status")

    def test_apply_by_a_member_is_403(self) -> None:
        self.login(self.bob)
        response = self.client.post(url(self.change, "apply/"), {}, format="json")
        self.assertEqual(response.status_code, 403)

    def test_edit_of_a_decided_request(self) -> None:
        approved = make_change(self.project, status=Status.APPROVED)
        self.login(self.alice)
        response = self.client.patch(url(approved), {"title": "Changed"}, format="json")
        self.assertError(response, 400, "status")
        approved.refresh_from_db()
        self.assertNotEqual(approved.title, "Changed")

    def test_writes_are_audited(self) -> None:
        self.login(self.alice)
        self.client.post(
            url(self.change, "decide/"),
            {"decision": "approved", "content_hash": self.change.content_hash},
        )
        event = AuditEvent.objects.get(action="change.approved_by")
        self.assertEqual(event.after["content_hash"], self.change.content_hash)
