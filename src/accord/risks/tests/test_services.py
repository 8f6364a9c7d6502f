"""The risk services: scores and reviews over time, owners, response actions and thresholds —
every refusal names its field and leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accord.core.audit import verify_audit_chains
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.models import AuditEvent
from accord.notifications.models import Notification
from accord.risks import services
from accord.risks.choices import Category, RiskStatus, Strategy
from accord.risks.models import ResponseAction, Risk, RiskReview, RiskThresholds
from accord.risks.tests.factories import make_action, make_risk

pytestmark = pytest.mark.django_db


def _refused(field, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    return info.value


# Creating ------------------------------------------------------------------------------------


def test_create_scores_numbers_reviews_and_audits(personas):
    risk = services.risk_create(
        actor=personas.bob,
        project=personas.project,
        title="  Payment gateway sandbox unavailable  ",
        category=Category.TECHNICAL,
        cause="The provider migrates its test environment in March.",
        event="Integration tests cannot run against the sandbox.",
        consequence="The payment milestone slips by two weeks.",
        probability=4,
        impact=3,
        strategy=Strategy.MITIGATE,
        trigger="Provider announces the migration date.",
        owner=personas.bob,
    )
    risk.refresh_from_db()
    assert risk.key == "ACME-K1"
    assert risk.title == "Payment gateway sandbox unavailable"
    assert (risk.score, risk.visibility, risk.status) == (12, Visibility.INTERNAL, RiskStatus.OPEN)
    assert risk.reviewed_at is not None
    review = RiskReview.objects.get(risk=risk)
    assert (review.probability, review.impact, review.score, review.status) == (4, 3, 12, "open")
    assert review.reviewed_by == personas.bob
    event = AuditEvent.objects.get(action="risk.created")
    assert event.after["score"] == 12 and event.after["owner"] == personas.bob.pk
    assert event.visibility == Visibility.INTERNAL
    assert make_risk(personas.project).key == "ACME-K2"
    assert list(verify_audit_chains()) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"probability": 7}, "probability"),
        ({"probability": "high"}, "probability"),
        ({"probability": None}, "probability"),
        ({"impact": 0}, "impact"),
        ({"impact": 2.5}, "impact"),
        ({"title": "   "}, "title"),
        ({"category": "weather"}, "category"),
        ({"strategy": "pray"}, "strategy"),
        ({"status": "gone"}, "status"),
        ({"visibility": "public"}, "visibility"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, fields, field):
    data = {"title": "Scope creep", "probability": 3, "impact": 3, **fields}
    _refused(field, services.risk_create, actor=personas.alice, project=personas.project, **data)
    assert not Risk.objects.exists()
    assert not RiskReview.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="risk.").exists()


def test_owner_must_be_a_member_of_the_project(personas):
    for outsider in (personas.mallory, personas.staff, personas.mallory.pk, 999999):
        error = _refused(
            "owner",
            services.risk_create,
            actor=personas.alice,
            project=personas.project,
            title="Vendor delay",
            probability=2,
            impact=4,
            owner=outsider,
        )
        assert "member of this project" in error.message
    assert not Risk.objects.exists()
    # A member given by id is accepted too (the API sends ids).
    risk = make_risk(personas.project, owner=personas.bob.pk)
    assert risk.owner == personas.bob


def test_only_the_team_records_risks_and_only_the_manager_shares_them(personas):
    for user in (personas.carol, personas.dave, personas.vera, personas.mallory):
        with pytest.raises(ApplicationError):
            make_risk(personas.project, actor=user)
    _refused("visibility", make_risk, personas.project, actor=personas.bob, visibility="shared")
    assert not Risk.objects.exists()
    risk = make_risk(personas.project, actor=personas.bob)
    with pytest.raises(ApplicationError):
        services.risk_update(actor=personas.bob, risk=risk, data={"visibility": "shared"})
    shared = services.risk_update(actor=personas.alice, risk=risk, data={"visibility": "shared"})
    assert shared.visibility == Visibility.SHARED


def test_owner_is_notified_only_when_they_can_see_the_risk(personas):
    make_risk(personas.project, actor=personas.alice, owner=personas.bob, title="Team risk")
    note = Notification.objects.get(recipient=personas.bob)
    assert note.kind == "risk.assigned"
    assert "ACME-K1" in note.title and note.body == "Team risk"
    assert note.url == "/p/ACME/risks/1/"
    # A client owner hears of an internal risk only once it is shared with them.
    make_risk(personas.project, owner=personas.carol, title="Internal client-side risk")
    assert not Notification.objects.filter(recipient=personas.carol).exists()
    make_risk(
        personas.project,
        owner=personas.carol,
        title="Client data delivery late",
        visibility=Visibility.SHARED,
    )
    assert Notification.objects.get(recipient=personas.carol).body == "Client data delivery late"
    # Nobody is told about what they did themself.
    make_risk(personas.project, actor=personas.alice, owner=personas.alice)
    assert not Notification.objects.filter(recipient=personas.alice).exists()


# Updating and reviewing ----------------------------------------------------------------------


def test_update_of_score_records_a_review_and_audits_the_change(personas):
    risk = make_risk(personas.project, probability=2, impact=2)
    updated = services.risk_update(
        actor=personas.bob,
        risk=risk,
        data={"impact": 5, "title": "Key developer leaves"},
        expected_version=1,
    )
    assert (updated.score, updated.version) == (10, 2)
    assert list(risk.reviews.values_list("score", flat=True)) == [10, 4]
    event = AuditEvent.objects.get(action="risk.updated")
    assert event.before == {"impact": 2, "score": 4, "title": risk.title}
    assert event.after == {"impact": 5, "score": 10, "title": "Key developer leaves"}


def test_update_of_text_records_no_review_and_a_no_op_changes_nothing(personas):
    risk = make_risk(personas.project)
    services.risk_update(actor=personas.bob, risk=risk, data={"trigger": "Resignation letter"})
    assert risk.reviews.count() == 1
    same = services.risk_update(
        actor=personas.bob, risk=risk, data={"trigger": "Resignation letter"}
    )
    assert same.version == 2
    assert AuditEvent.objects.filter(action="risk.updated").count() == 1


def test_stale_update_is_refused_and_nothing_changes(personas):
    risk = make_risk(personas.project)
    services.risk_update(actor=personas.bob, risk=risk, data={"impact": 4}, expected_version=1)
    with pytest.raises(StaleObjectError):
        services.risk_update(
            actor=personas.alice, risk=risk, data={"impact": 1}, expected_version=1
        )
    risk.refresh_from_db()
    assert (risk.impact, risk.score, risk.version) == (4, 12, 2)
    assert risk.reviews.count() == 2


def test_bad_update_leaves_the_risk_as_it_was(personas):
    risk = make_risk(personas.project)
    _refused("probability", services.risk_update, actor=personas.bob, risk=risk, data={
        "title": "Changed", "probability": 6
    })  # fmt: skip
    _refused("owner", services.risk_update, actor=personas.bob, risk=risk, data={
        "owner": personas.mallory
    })  # fmt: skip
    with pytest.raises(ApplicationError):
        services.risk_update(actor=personas.bob, risk=risk, data={"number": 9})
    with pytest.raises(ApplicationError):
        services.risk_update(actor=personas.vera, risk=risk, data={"title": "Viewer edit"})
    risk.refresh_from_db()
    assert (risk.title, risk.probability, risk.version) == (
        "Key developer may leave during the build",
        3,
        1,
    )


def test_reassigning_notifies_the_new_owner(personas):
    risk = make_risk(personas.project, owner=personas.alice)
    services.risk_update(actor=personas.alice, risk=risk, data={"owner": personas.bob})
    assert Notification.objects.filter(recipient=personas.bob, kind="risk.assigned").count() == 1
    services.risk_update(actor=personas.alice, risk=risk, data={"title": "Renamed"})
    assert Notification.objects.filter(recipient=personas.bob).count() == 1
    services.risk_update(actor=personas.alice, risk=risk, data={"owner": None})
    assert Risk.objects.get(pk=risk.pk).owner is None


def test_periodic_review_moves_the_score_with_a_note(personas):
    risk = make_risk(personas.project, probability=4, impact=4)
    review = services.risk_review(
        actor=personas.bob,
        risk=risk,
        probability=2,
        impact=4,
        status=RiskStatus.MONITORING,
        note="Second developer onboarded.",
        expected_version=1,
    )
    risk.refresh_from_db()
    assert (review.score, review.status, review.note) == (
        8,
        "monitoring",
        "Second developer onboarded.",
    )
    assert (risk.score, risk.status, risk.version, risk.reviewed_at) == (
        8,
        "monitoring",
        2,
        review.reviewed_at,
    )
    event = AuditEvent.objects.get(action="risk.reviewed")
    assert event.before["score"] == 16 and event.after["score"] == 8
    assert event.after["note"] == "Second developer onboarded."
    # A review with nothing changed is still evidence that the risk was looked at.
    services.risk_review(actor=personas.bob, risk=risk, probability=2, impact=4)
    assert risk.reviews.count() == 3


def test_review_refusals(personas):
    risk = make_risk(personas.project)
    _refused(
        "probability", services.risk_review, actor=personas.bob, risk=risk, probability=0, impact=3
    )
    _refused("impact", services.risk_review, actor=personas.bob, risk=risk, probability=3, impact=9)
    _refused(
        "status",
        services.risk_review,
        actor=personas.bob,
        risk=risk,
        probability=3,
        impact=3,
        status="x",
    )
    with pytest.raises(StaleObjectError):
        services.risk_review(
            actor=personas.bob, risk=risk, probability=1, impact=1, expected_version=7
        )
    with pytest.raises(ApplicationError):
        services.risk_review(actor=personas.carol, risk=risk, probability=1, impact=1)
    assert risk.reviews.count() == 1
    assert Risk.objects.get(pk=risk.pk).score == 9


def test_only_the_manager_deletes_a_risk(personas):
    risk = make_risk(personas.project)
    make_action(risk)
    with pytest.raises(ApplicationError):
        services.risk_delete(actor=personas.bob, risk=risk)
    with pytest.raises(StaleObjectError):
        services.risk_delete(actor=personas.alice, risk=risk, expected_version=5)
    services.risk_delete(actor=personas.alice, risk=risk, expected_version=1)
    assert not Risk.objects.exists()
    assert not RiskReview.objects.exists() and not ResponseAction.objects.exists()
    event = AuditEvent.objects.get(action="risk.deleted")
    assert event.before["title"] == "Key developer may leave during the build"
    assert list(verify_audit_chains()) == []


# Response actions ----------------------------------------------------------------------------


def test_action_create_validates_audits_with_the_risk_visibility_and_notifies(personas):
    risk = make_risk(personas.project, visibility=Visibility.SHARED)
    due = timezone.localdate() + dt.timedelta(days=10)
    action = services.action_create(
        actor=personas.alice,
        risk=risk,
        description="  Agree a fallback sandbox with the provider ",
        owner=personas.bob,
        due_date=due,
    )
    assert (action.description, action.owner, action.due_date) == (
        "Agree a fallback sandbox with the provider",
        personas.bob,
        due,
    )
    event = AuditEvent.objects.get(action="risk.action_created")
    assert event.visibility == Visibility.SHARED and event.after["risk"] == "ACME-K1"
    note = Notification.objects.get(recipient=personas.bob)
    assert note.kind == "risk.action_assigned" and due.isoformat() in note.body


def test_action_refusals_name_the_field(personas):
    risk = make_risk(personas.project)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _refused("due_date", services.action_create, actor=personas.bob, risk=risk,
             description="Late already", due_date=yesterday)  # fmt: skip
    _refused("due_date", services.action_create, actor=personas.bob, risk=risk,
             description="Bad date", due_date="31/02/2026")  # fmt: skip
    _refused("description", services.action_create, actor=personas.bob, risk=risk, description=" ")
    _refused("owner", services.action_create, actor=personas.bob, risk=risk,
             description="Outsider's job", owner=personas.mallory)  # fmt: skip
    with pytest.raises(ApplicationError):
        services.action_create(actor=personas.carol, risk=risk, description="Client's idea")
    assert not ResponseAction.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="risk.action").exists()


def test_client_owner_of_an_internal_risk_action_is_not_notified(personas):
    internal = make_risk(personas.project)
    make_action(internal, owner=personas.carol)
    assert not Notification.objects.filter(recipient=personas.carol).exists()
    shared = make_risk(personas.project, visibility=Visibility.SHARED)
    make_action(shared, owner=personas.carol, description="Client provides test data")
    assert Notification.objects.get(recipient=personas.carol).body == "Client provides test data"


def test_action_update_keeps_a_past_due_date_and_checks_versions(personas):
    risk = make_risk(personas.project)
    action = make_action(risk)
    past = timezone.localdate() - dt.timedelta(days=4)
    updated = services.action_update(
        actor=personas.bob, action=action, data={"due_date": past.isoformat()}, expected_version=1
    )
    assert updated.due_date == past and updated.is_overdue and updated.version == 2
    with pytest.raises(StaleObjectError):
        services.action_update(
            actor=personas.bob, action=action, data={"description": "x"}, expected_version=1
        )
    _refused("description", services.action_update, actor=personas.bob, action=action,
             data={"description": ""})  # fmt: skip
    event = AuditEvent.objects.get(action="risk.action_updated")
    assert event.after["due_date"] == past.isoformat()
    assert ResponseAction.objects.get(pk=action.pk).description == action.description


def test_action_complete_and_reopen_and_delete(personas):
    risk = make_risk(personas.project)
    action = make_action(risk, overdue=True)
    done = services.action_complete(actor=personas.bob, action=action, done=True)
    assert done.done_at is not None and not done.is_overdue
    again = services.action_complete(actor=personas.bob, action=action, done=True)
    assert again.version == done.version
    reopened = services.action_complete(actor=personas.bob, action=action, done=False)
    assert reopened.done_at is None and reopened.is_overdue
    actions = list(
        AuditEvent.objects.filter(action__startswith="risk.action")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["risk.action_completed", "risk.action_reopened"]
    with pytest.raises(ApplicationError):
        services.action_delete(actor=personas.vera, action=action)
    services.action_delete(actor=personas.bob, action=action)
    assert not ResponseAction.objects.exists()
    assert AuditEvent.objects.get(action="risk.action_deleted").before["risk"] == "ACME-K1"


# Thresholds ----------------------------------------------------------------------------------


def test_thresholds_update_creates_then_changes_with_audit(personas):
    thresholds = services.thresholds_update(
        actor=personas.alice, project=personas.project, medium_from=4, high_from=9, critical_from=15
    )
    assert (thresholds.medium_from, thresholds.high_from, thresholds.critical_from) == (4, 9, 15)
    assert thresholds.level_of(9) == "high"
    services.thresholds_update(
        actor=personas.alice,
        project=personas.project,
        medium_from=4,
        high_from=10,
        critical_from=20,
        expected_version=1,
    )
    stored = RiskThresholds.objects.get(project=personas.project)
    assert (stored.high_from, stored.critical_from, stored.version) == (10, 20, 2)
    events = AuditEvent.objects.filter(action="risk.thresholds_updated").order_by("id")
    assert [e.after for e in events] == [
        {"medium_from": 4, "high_from": 9, "critical_from": 15},
        {"high_from": 10, "critical_from": 20},
    ]
    with pytest.raises(StaleObjectError):
        services.thresholds_update(
            actor=personas.alice,
            project=personas.project,
            medium_from=5,
            high_from=10,
            critical_from=20,
            expected_version=1,
        )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((1, 10, 16), "medium_from"),
        ((5, 5, 16), "high_from"),
        ((5, 12, 11), "critical_from"),
        ((5, 10, 26), "critical_from"),
        (("x", 10, 16), "medium_from"),
    ],
)
def test_thresholds_must_increase_within_2_to_25(personas, values, field):
    medium, high, critical = values
    _refused(field, services.thresholds_update, actor=personas.alice, project=personas.project,
             medium_from=medium, high_from=high, critical_from=critical)  # fmt: skip
    assert not RiskThresholds.objects.exists()


def test_only_the_manager_sets_thresholds(personas):
    with pytest.raises(ApplicationError):
        services.thresholds_update(
            actor=personas.bob,
            project=personas.project,
            medium_from=4,
            high_from=9,
            critical_from=15,
        )
    assert not RiskThresholds.objects.exists()
