"""Shared test personas: one project, everyone in their role, and an outsider.

alice   project manager of ACME          bob     team member of ACME
carol   client user of ACME (no signing) dave    client approver of ACME (can_approve)
vera    viewer of ACME                   mallory outsider, manager of her own project EVIL
staff   organisation staff (PMO)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import TestCase

from accord.accounts.tests.factories import PASSWORD, UserFactory
from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory, ProjectFactory


@dataclass
class Personas:
    project: Any
    other_project: Any
    alice: Any
    bob: Any
    carol: Any
    dave: Any
    vera: Any
    mallory: Any
    staff: Any

    def by_role(self) -> dict[str, Any]:
        return {
            "manager": self.alice,
            "member": self.bob,
            "client": self.carol,
            "approver": self.dave,
            "viewer": self.vera,
            "outsider": self.mallory,
            "staff": self.staff,
        }


def make_personas() -> Personas:
    project = ProjectFactory(key="ACME", name="Customer portal", client_name="ACME Corp")
    other = ProjectFactory(key="EVIL", name="Other client's project", client_name="Evil Inc")
    users = {
        name: UserFactory(email=f"{name}@example.com", full_name=name.title())
        for name in ["alice", "bob", "carol", "dave", "vera", "mallory"]
    }
    staff = UserFactory(email="staff@example.com", full_name="Pat PMO", is_staff=True)
    MembershipFactory(project=project, user=users["alice"], role=Role.MANAGER)
    MembershipFactory(project=project, user=users["bob"], role=Role.MEMBER)
    MembershipFactory(project=project, user=users["carol"], role=Role.CLIENT)
    MembershipFactory(project=project, user=users["dave"], role=Role.CLIENT, can_approve=True)
    MembershipFactory(project=project, user=users["vera"], role=Role.VIEWER)
    MembershipFactory(project=other, user=users["mallory"], role=Role.MANAGER)
    return Personas(project=project, other_project=other, staff=staff, **users)


class BaseTestCase(TestCase):
    """A TestCase with the personas as class attributes (created once per class)."""

    password = PASSWORD

    @classmethod
    def setUpTestData(cls) -> None:
        cls.personas = make_personas()
        for name, value in vars(cls.personas).items():
            setattr(cls, name, value)
