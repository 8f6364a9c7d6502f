"""ETags are version validators that never carry a database id."""

from __future__ import annotations

import re
from typing import Any

from accord.api.concurrency import etag_for
from accord.api.tests.base import ApiTestCase
from accord.changes.tests.factories import make_change
from accord.core.choices import Visibility
from accord.delivery.tests.factories import log_time, make_task
from accord.projects.tests.factories import MilestoneFactory
from accord.requirements.choices import Status
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_action, make_risk

# The only number in a tag is the object's version; the rest is a keyed hash.
OPAQUE = re.compile(r'W/"v(?P<version>\d+)-[0-9a-f]{24}"')
ACME = "/api/v1/projects/ACME"


class EtagTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.confirm_me = make_requirement(cls.project, status=Status.SUBMITTED, title="One")
        cls.return_me = make_requirement(cls.project, status=Status.SUBMITTED, title="Two")
        risk = make_risk(cls.project, visibility=Visibility.SHARED)
        make_action(risk)
        cls.change = make_change(cls.project)
        task = make_task(cls.project)
        log_time(task)
        MilestoneFactory(project=cls.project)

    def etags(self, url: str, method: str = "get", **kwargs: Any) -> list[str]:
        """The ETag of the address, and of every item its list links to by number or id."""
        response = getattr(self.client, method)(url, format="json", **kwargs)
        self.assertLess(response.status_code, 300, (url, response.content))
        tags = [response["ETag"]] if response.has_header("ETag") else []
        body = response.json() if method == "get" else {}
        rows = body.get("results", body) if isinstance(body, dict) else body
        if isinstance(rows, list):
            for row in rows[:2]:
                lookup = row.get("number", row.get("id")) if isinstance(row, dict) else None
                if lookup is not None:
                    tags += self.etags(f"{url}{lookup}/")
        return tags

    def assertOpaque(self, tags: list[str]) -> None:
        for tag in tags:
            self.assertRegex(tag, OPAQUE)

    def test_no_etag_of_the_api_names_a_database_id(self) -> None:
        self.login(self.alice)
        tags = self.etags("/api/v1/projects/")
        for resource in (
            "memberships", "milestones", "invitations", "requirements", "requirements/1/versions",
            "risks", "risks/1/actions", "changes", "tasks", "change-policy", "risk-thresholds",
        ):  # fmt: skip
            tags += self.etags(f"{ACME}/{resource}/")
        # Answers of writes carry the tag of what they made.
        tags += self.etags(
            f"{ACME}/tasks/1/time-entries/", "post", data={"date": "2026-01-05", "hours": "1.5"}
        )
        self.assertGreaterEqual(len(tags), 10)
        self.assertOpaque(tags)

    def test_confirm_and_return_answers_carry_no_version_link_as_a_tag(self) -> None:
        self.login(self.dave)
        for number, action, body in (
            (self.confirm_me.number, "confirm", {}),
            (self.return_me.number, "return", {"comment": "Say which report."}),
        ):
            response = self.client.post(
                f"{ACME}/requirements/{number}/{action}/", body, format="json"
            )
            self.assertEqual(response.status_code, 201, response.content)
            self.assertOpaque([response["ETag"]] if response.has_header("ETag") else [])

    def test_a_tag_names_the_version_and_still_guards_writes(self) -> None:
        self.login(self.alice)
        url = f"{ACME}/changes/{self.change.number}/"
        tag = self.client.get(url)["ETag"]
        self.assertEqual(OPAQUE.fullmatch(tag)["version"], str(self.change.version))
        self.assertEqual(self.client.get(url, headers={"if-none-match": tag}).status_code, 304)
        changed = self.client.patch(url, {"title": "New"}, format="json", headers={"if-match": tag})
        self.assertEqual(changed.status_code, 200, changed.content)
        self.assertNotEqual(changed["ETag"], tag)
        # The tag read before the change, and a tag in the old format naming the row: 412.
        self.assertError(
            self.client.patch(url, {"title": "Old"}, format="json", headers={"if-match": tag}), 412
        )
        old_format = f'W/"changerequest-{self.change.pk}-v{self.change.version + 1}"'
        self.assertError(
            self.client.patch(
                url, {"title": "Old"}, format="json", headers={"if-match": old_format}
            ),
            412,
        )

    def test_the_same_number_and_version_in_two_projects_are_different_tags(self) -> None:
        mine = make_task(self.project)
        theirs = [make_task(self.other_project) for _ in range(mine.number)][-1]
        self.assertEqual((mine.number, mine.version), (theirs.number, theirs.version))
        self.assertNotEqual(etag_for(mine), etag_for(theirs))
