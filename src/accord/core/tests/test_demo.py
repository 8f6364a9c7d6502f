"""The demo workspace: realistic, complete, idempotent, and its history verifies."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from accord.accounts.models import User
from accord.core.audit import verify_audit_chains
from accord.core.demo import DEMO_PASSWORD, PM, USERS, demo_load
from accord.core.models import AuditEvent
from accord.projects.choices import InvitationStatus, MilestoneStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project
from accord.projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in [User, Project, Membership, Milestone, Invitation, AuditEvent]
    }


def role_of(email: str, key: str) -> tuple[str, bool]:
    membership = Membership.objects.get(user__email=email, project__key=key)
    return membership.role, membership.can_approve


def test_it_loads_two_projects_with_every_role() -> None:
    demo_load(today=dt.date(2026, 5, 1))

    hzyb = Project.objects.get(key="HZYB")
    acme = Project.objects.get(key="ACME")
    assert hzyb.client_name == "杭州某医保科技有限公司"
    assert "异地就医" in hzyb.description
    assert "医保局验收" in hzyb.objectives
    assert hzyb.values
    assert acme.client_name == "ACME Logistics"

    for key in ["HZYB", "ACME"]:
        assert role_of(PM.email, key) == (Role.MANAGER, False)
        assert role_of("chen.jing@demo.accord", key) == (Role.VIEWER, False)
    assert role_of("wang.wei@demo.accord", "HZYB") == (Role.MEMBER, False)
    assert role_of("zhao.lei@hz-medical.demo", "HZYB") == (Role.CLIENT, True)
    assert role_of("sun.li@hz-medical.demo", "HZYB") == (Role.CLIENT, False)
    assert role_of("tom.baker@demo.accord", "ACME") == (Role.MEMBER, False)
    assert role_of("sarah.miller@acme-logistics.demo", "ACME") == (Role.CLIENT, True)
    assert role_of("james.wong@acme-logistics.demo", "ACME") == (Role.CLIENT, False)
    # Client users belong to their own project only.
    assert not Membership.objects.filter(user__email__endswith="hz-medical.demo", project=acme)
    assert User.objects.get(email="pmo@demo.accord").is_staff
    assert not Membership.objects.filter(user__email="pmo@demo.accord").exists()


def test_users_of_the_chinese_project_read_chinese_and_share_one_password() -> None:
    demo_load()

    for email in ["wang.wei@demo.accord", "zhao.lei@hz-medical.demo", "sun.li@hz-medical.demo"]:
        assert User.objects.get(email=email).language == "zh-hans"
    assert User.objects.get(email="sarah.miller@acme-logistics.demo").language == "en"
    for person in USERS:
        assert User.objects.get(email=person.email).check_password(DEMO_PASSWORD)


def test_milestones_are_in_several_states_and_history_shows_changes() -> None:
    demo_load()

    names = set(Milestone.objects.filter(project__key="HZYB").values_list("name", flat=True))
    assert {"需求调研完成", "原型评审", "系统上线"} <= names
    states = set(Milestone.objects.values_list("status", flat=True))
    assert states == {
        MilestoneStatus.PLANNED,
        MilestoneStatus.IN_PROGRESS,
        MilestoneStatus.DONE,
        MilestoneStatus.MISSED,
    }
    assert Invitation.objects.filter(status=InvitationStatus.PENDING).count() == 2
    update = AuditEvent.objects.get(project__key="HZYB", action="project.updated")
    assert update.before["status"] == "planning"
    assert update.after["status"] == "active"
    done = AuditEvent.objects.filter(project__key="HZYB", action="milestone.updated").first()
    assert done.after["status"] in MilestoneStatus.values
    assert done.actor.email == PM.email


def test_running_it_twice_changes_nothing() -> None:
    first = demo_load()
    before = counts()

    second = demo_load()

    assert first.changed
    assert first.projects == ["HZYB", "ACME"]
    assert not second.changed
    assert counts() == before


def test_the_history_it_writes_verifies() -> None:
    demo_load()

    assert list(verify_audit_chains()) == []
    out = StringIO()
    call_command("verify", stdout=out)
    assert "OK" in out.getvalue()


def test_the_command_prints_every_login_and_the_password() -> None:
    out = StringIO()
    call_command("demo", stdout=out)

    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for person in USERS:
        assert person.email in text


def test_if_empty_leaves_a_database_with_projects_alone() -> None:
    ProjectFactory(key="OWN")
    before = counts()
    out = StringIO()

    call_command("demo", "--if-empty", stdout=out)

    assert counts() == before
    assert not Project.objects.filter(key__in=["HZYB", "ACME"]).exists()
    assert "not loaded" in out.getvalue()


def test_if_empty_loads_an_empty_database_and_is_quiet_the_second_time() -> None:
    call_command("demo", "--if-empty", stdout=StringIO())
    before = counts()
    out = StringIO()

    call_command("demo", "--if-empty", stdout=out)

    assert Project.objects.count() == 2
    assert counts() == before
    assert PM.email in out.getvalue()
