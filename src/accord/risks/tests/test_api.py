"""The risk register API: visibility per persona (clients never see internal risks, nor their
reviews or actions), writes through the services, If-Match, the heat map and thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.core.models import AuditEvent
from accord.risks import services
from accord.risks.models import ResponseAction, Risk, RiskThresholds
from accord.risks.tests.factories import make_action, make_risk

BASE = "/api/v1/projects/ACME"
LIST = f"{BASE}/risks/"
HEAT = f"{LIST}heat-map/"
THRESHOLDS = f"{BASE}/risk-thresholds/"
INTERNAL_MARKER = "INTERNAL-SECRET-risk"
INTERNAL_ACTION = "INTERNAL-SECRET-action"


def url(risk: Risk, tail: str = "") -> str:
    return f"{LIST}{risk.number}/{tail}"


class RiskApiTestCase(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.internal = make_risk(
            cls.project,
            title=f"{INTERNAL_MARKER} vendor may go bankrupt",
            category="market",
            probability=2,
            impact=5,
            owner=cls.bob,
        )
        cls.shared = make_risk(
            cls.project,
            title="Client test data arrives late",
            category="client",
            cause="The client's data team is busy with the year-end close.",
            probability=4,
            impact=4,
            visibility="shared",
            owner=cls.bob,
        )
        cls.closed = make_risk(
            cls.project, title="Licence renewal", probability=1, impact=2, status="closed"
        )
        cls.internal_action = make_action(cls.internal, description=INTERNAL_ACTION, owner=cls.bob)
        cls.shared_action = make_action(
            cls.shared,
            description="Agree a data delivery date with the client",
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )
        services.risk_review(
            actor=cls.bob, risk=cls.internal, probability=3, impact=5, note="INTERNAL-SECRET review"
        )

    def keys(self, response: Any) -> list[str]:
        self.assertEqual(response.status_code, 200, response.content)
        return [row["key"] for row in response.json()["results"]]


class RiskListTests(RiskApiTestCase):
    def test_the_team_sees_every_risk_highest_score_first(self) -> None:
        self.login(self.vera)
        response = self.client.get(LIST)
        self.assertEqual(self.keys(response), ["ACME-K2", "ACME-K1", "ACME-K3"])
        row = response.json()["results"][0]
        self.assertEqual(
            (row["score"], row["level"], row["visibility"]), (16, "critical", "shared")
        )
        self.assertEqual(row["owner"]["email"], "bob@example.com")
        self.assertEqual(response.json()["results"][1]["level"], "high")  # 3 × 5 after review

    def test_clients_never_see_internal_risks(self) -> None:
        for user in (self.carol, self.dave):
            self.login(user)
            response = self.client.get(LIST)
            self.assertEqual(self.keys(response), ["ACME-K2"])
            self.assertNotIn(INTERNAL_MARKER, response.content.decode())
            self.assertEqual(self.keys(self.client.get(LIST, {"q": "INTERNAL-SECRET"})), [])

    def test_outsiders_get_404(self) -> None:
        self.login(self.mallory)
        self.assertError(self.client.get(LIST), 404)
        self.assertError(self.client.get(url(self.shared)), 404)
        self.assertError(self.client.get(HEAT), 404)

    def test_filters_and_ordering(self) -> None:
        self.login(self.bob)
        get = self.client.get
        self.assertEqual(self.keys(get(LIST, {"status": "closed"})), ["ACME-K3"])
        self.assertEqual(self.keys(get(LIST, {"category": "market"})), ["ACME-K1"])
        self.assertEqual(self.keys(get(LIST, {"level": "critical"})), ["ACME-K2"])
        self.assertEqual(self.keys(get(LIST, {"level": ["high", "low"]})), ["ACME-K1", "ACME-K3"])
        self.assertEqual(self.keys(get(LIST, {"owner": self.bob.pk})), ["ACME-K2", "ACME-K1"])
        self.assertEqual(self.keys(get(LIST, {"q": "year-end"})), ["ACME-K2"])
        self.assertEqual(self.keys(get(LIST, {"q": "ACME-K3"})), ["ACME-K3"])
        self.assertEqual(
            self.keys(get(LIST, {"ordering": "number"})), ["ACME-K1", "ACME-K2", "ACME-K3"]
        )
        self.assertEqual(
            self.keys(get(LIST, {"ordering": "-impact,number"})), ["ACME-K1", "ACME-K2", "ACME-K3"]
        )
        self.assertError(get(LIST, {"level": "extreme"}), 400, field="level")

    def test_pagination(self) -> None:
        self.login(self.bob)
        body = self.client.get(LIST, {"page_size": 2}).json()
        self.assertEqual(body["count"], 3)
        self.assertEqual(len(body["results"]), 2)
        self.assertIsNotNone(body["next"])

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.login(self.carol)
        counter = iter(range(100))

        def add_rows() -> None:
            for _ in range(3):
                n = next(counter)
                make_risk(self.project, title=f"Shared {n}", visibility="shared", owner=self.alice)
                make_risk(self.project, title=f"Internal {n}", owner=self.bob)

        self.assertQueriesDoNotGrow(LIST + "?ordering=-score&level=critical&level=medium", add_rows)


class RiskDetailTests(RiskApiTestCase):
    def test_detail_has_texts_reviews_and_actions(self) -> None:
        self.login(self.carol)
        response = self.client.get(url(self.shared))
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["key"], "ACME-K2")
        self.assertEqual(response["ETag"], etag_for(self.shared, 1))
        self.assertEqual(body["cause"], "The client's data team is busy with the year-end close.")
        self.assertEqual([r["score"] for r in body["reviews"]], [16])
        self.assertEqual(
            [a["description"] for a in body["actions"]],
            ["Agree a data delivery date with the client"],
        )
        self.assertFalse(body["actions"][0]["is_overdue"])

    def test_internal_risks_and_their_reviews_and_actions_are_404_for_clients(self) -> None:
        self.login(self.carol)
        for address in (
            url(self.internal),
            url(self.internal, "reviews/"),
            url(self.internal, "actions/"),
            url(self.internal, f"actions/{self.internal_action.pk}/"),
            url(self.shared, f"actions/{self.internal_action.pk}/"),
            f"{LIST}999/",
        ):
            body = self.assertError(self.client.get(address), 404)
            self.assertNotIn("SECRET", str(body))
        self.assertError(
            self.client.post(url(self.internal, "reviews/"), {"probability": 1, "impact": 1}), 404
        )
        self.assertError(self.client.patch(url(self.internal), {"title": "x"}), 404)

    def test_team_sees_reviews_newest_first(self) -> None:
        self.login(self.vera)
        body = self.client.get(url(self.internal, "reviews/")).json()
        self.assertEqual([r["score"] for r in body], [15, 10])
        self.assertEqual(body[0]["note"], "INTERNAL-SECRET review")

    def test_detail_query_count_does_not_grow_with_reviews_and_actions(self) -> None:
        self.login(self.bob)

        def add_rows() -> None:
            for n in range(3):
                services.risk_review(
                    actor=self.alice, risk=self.shared, probability=4, impact=n + 1
                )
                make_action(self.shared, description=f"Step {n}", owner=self.alice)

        self.assertQueriesDoNotGrow(url(self.shared), add_rows)


class RiskWriteTests(RiskApiTestCase):
    def test_create_through_the_service(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            LIST,
            {
                "title": "数据迁移延期",
                "category": "schedule",
                "probability": 3,
                "impact": 4,
                "owner": self.alice.pk,
                "trigger": "迁移演练失败",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual((body["key"], body["score"], body["level"]), ("ACME-K4", 12, "high"))
        self.assertEqual(body["owner"]["id"], self.alice.pk)
        self.assertEqual(len(body["reviews"]), 1)
        self.assertTrue(AuditEvent.objects.filter(action="risk.created", target_id=str(
            Risk.objects.get(number=4, project=self.project).pk)).exists())  # fmt: skip

    def test_bad_input_is_400_naming_the_field(self) -> None:
        self.login(self.bob)
        base = {"title": "Scope creep", "probability": 3, "impact": 3}
        self.assertError(self.client.post(LIST, {**base, "probability": 7}), 400, "probability")
        self.assertError(self.client.post(LIST, {**base, "title": " "}), 400, "title")
        self.assertError(
            self.client.post(LIST, {**base, "owner": self.mallory.pk}, format="json"), 400, "owner"
        )
        self.assertEqual(Risk.objects.filter(project=self.project).count(), 3)

    def test_who_may_write(self) -> None:
        base = {"title": "Scope creep", "probability": 3, "impact": 3}
        for user in (self.carol, self.dave, self.vera):
            self.login(user)
            self.assertError(self.client.post(LIST, base), 403)
            self.assertError(self.client.patch(url(self.shared), {"title": "x"}), 403)
            self.assertError(self.client.delete(url(self.shared)), 403)
        self.login(self.bob)
        self.assertError(self.client.delete(url(self.shared)), 403)
        # Only the manager shares a risk with the client.
        response = self.client.patch(url(self.internal), {"visibility": "shared"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Risk.objects.get(pk=self.internal.pk).visibility, "internal")

    def test_patch_with_if_match_records_a_review(self) -> None:
        self.login(self.bob)
        etag = self.client.get(url(self.shared))["ETag"]
        response = self.client.patch(url(self.shared), {"probability": 2}, HTTP_IF_MATCH=etag)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["score"], body["level"], body["version"]), (8, "medium", 2))
        self.assertEqual([r["score"] for r in body["reviews"]], [8, 16])
        stale = self.client.patch(url(self.shared), {"impact": 1}, HTTP_IF_MATCH=etag)
        self.assertError(stale, 412)
        self.assertEqual(Risk.objects.get(pk=self.shared.pk).impact, 4)

    def test_review_endpoint(self) -> None:
        self.login(self.bob)
        response = self.client.post(
            url(self.shared, "reviews/"),
            {"probability": 2, "impact": 4, "status": "monitoring", "note": "Dates agreed."},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual((response.json()["score"], response.json()["note"]), (8, "Dates agreed."))
        risk = Risk.objects.get(pk=self.shared.pk)
        self.assertEqual((risk.score, risk.status), (8, "monitoring"))
        self.assertError(
            self.client.post(url(self.shared, "reviews/"), {"probability": 2, "impact": 9}),
            400,
            "impact",
        )
        self.login(self.carol)
        self.assertError(
            self.client.post(url(self.shared, "reviews/"), {"probability": 1, "impact": 1}), 403
        )

    def test_manager_deletes_with_if_match(self) -> None:
        self.login(self.alice)
        etag = self.client.get(url(self.closed))["ETag"]
        services.risk_update(actor=self.alice, risk=self.closed, data={"title": "Renamed"})
        self.assertError(self.client.delete(url(self.closed), HTTP_IF_MATCH=etag), 412)
        response = self.client.delete(url(self.closed))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Risk.objects.filter(pk=self.closed.pk).exists())


class ResponseActionApiTests(RiskApiTestCase):
    def test_clients_read_actions_of_shared_risks_only(self) -> None:
        self.login(self.carol)
        body = self.client.get(url(self.shared, "actions/")).json()
        self.assertEqual(
            [a["description"] for a in body], ["Agree a data delivery date with the client"]
        )
        self.assertError(
            self.client.post(url(self.shared, "actions/"), {"description": "Client step"}), 403
        )

    def test_create_update_complete_delete(self) -> None:
        self.login(self.bob)
        actions = url(self.shared, "actions/")
        due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        response = self.client.post(
            actions,
            {"description": "Send the data template", "owner": self.alice.pk, "due_date": due},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual((created["owner"]["id"], created["due_date"]), (self.alice.pk, due))
        one = f"{actions}{created['id']}/"
        past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
        self.assertError(
            self.client.post(actions, {"description": "Late", "due_date": past}), 400, "due_date"
        )
        etag = self.client.get(one)["ETag"]
        patched = self.client.patch(one, {"due_date": past}, HTTP_IF_MATCH=etag)
        self.assertEqual(patched.status_code, 200, patched.content)
        self.assertTrue(patched.json()["is_overdue"])
        self.assertError(self.client.patch(one, {"description": "x"}, HTTP_IF_MATCH=etag), 412)
        done = self.client.post(f"{one}complete/", {"done": True})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertIsNotNone(done.json()["done_at"])
        self.assertFalse(done.json()["is_overdue"])
        undone = self.client.post(f"{one}complete/", {"done": False})
        self.assertIsNone(undone.json()["done_at"])
        self.assertEqual(self.client.delete(one).status_code, 204)
        self.assertFalse(ResponseAction.objects.filter(pk=created["id"]).exists())
        self.assertError(self.client.get(one), 404)


class HeatMapAndThresholdsTests(RiskApiTestCase):
    def test_heat_map_counts_what_the_user_sees(self) -> None:
        self.login(self.bob)
        body = self.client.get(HEAT).json()
        self.assertEqual(body["total"], 2)
        self.assertEqual([row[0]["probability"] for row in body["rows"]], [5, 4, 3, 2, 1])
        cells = {(c["probability"], c["impact"]): c for row in body["rows"] for c in row}
        self.assertEqual((cells[(4, 4)]["count"], cells[(4, 4)]["level"]), (1, "critical"))
        self.assertEqual(cells[(3, 5)]["count"], 1)
        self.assertEqual(body["thresholds"]["is_default"], True)
        every = self.client.get(HEAT, {"status": ["open", "monitoring", "closed", "occurred"]})
        self.assertEqual(every.json()["total"], 3)
        self.assertError(self.client.get(HEAT, {"status": "lost"}), 400, "status")
        self.login(self.carol)
        body = self.client.get(HEAT).json()
        self.assertEqual(body["total"], 1)
        cells = {(c["probability"], c["impact"]): c["count"] for row in body["rows"] for c in row}
        self.assertEqual(cells[(3, 5)], 0)

    def test_heat_map_query_count_does_not_grow(self) -> None:
        self.login(self.bob)
        self.assertQueriesDoNotGrow(HEAT, lambda: [make_risk(self.project) for _ in range(3)])

    def test_thresholds_read_by_the_team_set_by_the_manager(self) -> None:
        self.login(self.bob)
        body = self.client.get(THRESHOLDS).json()
        self.assertEqual(
            body,
            {
                "medium_from": 5,
                "high_from": 10,
                "critical_from": 16,
                "is_default": True,
                "version": 1,
            },
        )
        new = {"medium_from": 4, "high_from": 8, "critical_from": 15}
        self.assertError(self.client.put(THRESHOLDS, new), 403)
        self.login(self.carol)
        self.assertError(self.client.get(THRESHOLDS), 403)
        self.login(self.mallory)
        self.assertError(self.client.get(THRESHOLDS), 404)
        self.login(self.alice)
        response = self.client.put(THRESHOLDS, new)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["is_default"], False)
        etag = response["ETag"]
        self.assertError(self.client.put(THRESHOLDS, {**new, "high_from": 3}), 400, "high_from")
        ok = self.client.put(THRESHOLDS, {**new, "critical_from": 20}, HTTP_IF_MATCH=etag)
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertError(self.client.put(THRESHOLDS, new, HTTP_IF_MATCH=etag), 412)
        self.assertEqual(RiskThresholds.objects.get(project=self.project).critical_from, 20)
        # The register's levels follow the new thresholds.
        rows = self.client.get(LIST).json()["results"]
        self.assertEqual([r["level"] for r in rows], ["high", "high", "low"])
