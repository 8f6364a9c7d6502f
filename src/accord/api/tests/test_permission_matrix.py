"""Who gets what from every API resource, persona by persona, in one table."""

import datetime as dt

from accord.api.tests.base import ApiTestCase
from accord.core.choices import Visibility
from accord.projects import services

P = "/api/v1/projects/ACME"
PERSONAS = ["alice", "bob", "carol", "dave", "vera", "mallory", "staff"]


def row(alice, bob, carol, dave, vera, mallory, staff) -> dict[str, int]:
    return dict(zip(PERSONAS, (alice, bob, carol, dave, vera, mallory, staff), strict=True))


SEE_PROJECT = row(200, 200, 200, 200, 200, 404, 200)
SEE_INTERNAL = row(200, 200, 404, 404, 200, 404, 200)

READS = {
    f"{P}/": SEE_PROJECT,
    f"{P}/memberships/": SEE_PROJECT,
    f"{P}/milestones/": SEE_PROJECT,
    f"{P}/milestones/1/": SEE_PROJECT,  # shared
    f"{P}/milestones/2/": SEE_INTERNAL,  # internal
    f"{P}/invitations/": row(200, 403, 403, 403, 403, 404, 403),
    f"{P}/audit-records/": SEE_INTERNAL,
}


class PermissionMatrixTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        services.milestone_create(
            actor=cls.alice, project=cls.project, name="Shared", due_date=dt.date(2026, 4, 1)
        )
        services.milestone_create(
            actor=cls.alice,
            project=cls.project,
            name="Internal",
            due_date=dt.date(2026, 5, 1),
            visibility=Visibility.INTERNAL,
        )

    def test_reads(self) -> None:
        for url, expected in READS.items():
            for persona, status in expected.items():
                self.login(getattr(self, persona))
                response = self.client.get(url)
                self.assertEqual(response.status_code, status, f"GET {url} as {persona}")

    def test_writes(self) -> None:
        writes = [
            ("post", f"{P}/milestones/", {"name": "New", "due_date": "2026-06-01"},
             row(201, 201, 403, 403, 403, 404, 403)),
            ("patch", f"{P}/milestones/1/", {"status": "done"},
             row(200, 200, 403, 403, 403, 404, 403)),
            ("patch", f"{P}/milestones/2/", {"status": "done"},
             row(200, 200, 404, 404, 403, 404, 403)),
            ("patch", f"{P}/", {"description": "x"},
             row(200, 403, 403, 403, 403, 404, 403)),
            ("post", f"{P}/invitations/", {"email": "new@example.com", "role": "viewer"},
             row(201, 403, 403, 403, 403, 404, 403)),
        ]  # fmt: skip
        for method, url, payload, expected in writes:
            for persona, status in expected.items():
                self.login(getattr(self, persona))
                response = getattr(self.client, method)(url, payload, format="json")
                self.assertEqual(
                    response.status_code, status, f"{method.upper()} {url} as {persona}"
                )
