"""The problem services and selectors: what happened, impact, root cause and solution; a risk
that occurs becomes a problem — every refusal names its field and leaves nothing half-saved,
and clients read only what is shared with them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from accord.core.audit import verify_audit_chains
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.models import AuditEvent
from accord.notifications.models import Notification
from accord.projects.models import Membership
from accord.requirements.choices import Status
from accord.requirements.tests.factories import advance, make_requirement
from accord.risks import problem_selectors as selectors
from accord.risks import problem_services as services
from accord.risks.choices import ProblemStatus, RiskStatus
from accord.risks.models import Problem, Risk, RiskReview
from accord.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db


def _refused(field, call, *args, **kwargs):
    with pytest.raises(ApplicationError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    return info.value


def _tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def _problem(personas, **fields):
    data = {"title": "Test environment down for two days", **fields}
    return services.problem_create(actor=personas.alice, project=personas.project, **data)


# Creating ------------------------------------------------------------------------------------


def test_create_numbers_links_audits_and_notifies(personas):
    risk = make_risk(personas.project, title="Sandbox may be unavailable")
    requirement = make_requirement(personas.project, title="Pay by card")
    problem = services.problem_create(
        actor=personas.alice,
        project=personas.project,
        title="  Payment sandbox down  ",
        description="The provider's sandbox was offline for two days.",
        impact="Integration tests slipped by two days.",
        root_cause="An unannounced migration at the provider.",
        owner=personas.bob,
        due_date=_tomorrow(),
        risk=risk,
        requirements=[requirement],
    )
    problem.refresh_from_db()
    assert problem.key == "ACME-P1"
    assert problem.title == "Payment sandbox down"
    assert (problem.status, problem.visibility, problem.solved_at) == (
        ProblemStatus.OPEN,
        Visibility.INTERNAL,
        None,
    )
    assert (problem.risk, problem.owner) == (risk, personas.bob)
    assert list(problem.requirements.all()) == [requirement]
    event = AuditEvent.objects.get(action="problem.created")
    assert event.after["risk"] == risk.key
    assert event.after["requirements"] == [requirement.key]
    assert event.after["owner"] == personas.bob.pk
    assert event.visibility == Visibility.INTERNAL
    note = Notification.objects.get(recipient=personas.bob, kind="problem.assigned")
    assert "ACME-P1" in note.title and note.url == problem.get_absolute_url()
    assert _problem(personas).key == "ACME-P2"
    assert list(verify_audit_chains()) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"status": "forgotten"}, "status"),
        ({"visibility": "public"}, "visibility"),
        ({"due_date": "next week"}, "due_date"),
        ({"status": ProblemStatus.SOLVED}, "solution"),
        ({"status": ProblemStatus.CLOSED, "solution": "  "}, "solution"),
        ({"risk": 987654}, "risk"),
        ({"requirements": [987654]}, "requirements"),
        ({"requirements": "R1"}, "requirements"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(personas, fields, field):
    _refused(field, _problem, personas, **fields)
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="problem.").exists()


def test_create_refuses_a_due_date_before_today(personas):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _refused("due_date", _problem, personas, due_date=yesterday)
    assert _problem(personas, due_date=timezone.localdate()).due_date == timezone.localdate()


def test_owner_must_be_an_active_member(personas):
    _refused("owner", _problem, personas, owner=personas.mallory)
    _refused("owner", _problem, personas, owner=personas.mallory.pk)
    personas.bob.is_active = False
    personas.bob.save()
    _refused("owner", _problem, personas, owner=personas.bob)
    assert not Problem.objects.exists()
    assert _problem(personas, owner=personas.vera.pk).owner == personas.vera


def test_links_to_another_projects_risk_or_requirement_are_refused(personas):
    other = personas.other_project
    foreign_risk = make_risk(other, title="EVIL risk")
    foreign_requirement = make_requirement(other, title="EVIL requirement")
    mine = make_requirement(personas.project, title="Mine")
    _refused("risk", _problem, personas, risk=foreign_risk)
    _refused("risk", _problem, personas, risk=foreign_risk.pk)
    _refused("requirements", _problem, personas, requirements=[mine, foreign_requirement])
    assert not Problem.objects.exists()
    assert not mine.problems.exists()


def test_who_may_create_and_share(personas):
    for user in (personas.carol, personas.dave, personas.vera, personas.mallory):
        _refused(None, services.problem_create, actor=user, project=personas.project, title="x")
    _refused(
        "visibility",
        services.problem_create,
        actor=personas.bob,
        project=personas.project,
        title="Shared by a member",
        visibility=Visibility.SHARED,
    )
    assert not Problem.objects.exists()
    member = services.problem_create(actor=personas.bob, project=personas.project, title="Ok")
    shared = _problem(personas, visibility=Visibility.SHARED)
    assert (member.visibility, shared.visibility) == (Visibility.INTERNAL, Visibility.SHARED)
    assert AuditEvent.objects.get(target_id=str(shared.pk)).visibility == Visibility.SHARED


def test_owner_is_notified_only_if_they_may_see_the_problem(personas):
    _problem(personas, owner=personas.carol)
    assert not Notification.objects.filter(recipient=personas.carol).exists()
    _problem(personas, owner=personas.carol, visibility=Visibility.SHARED)
    assert Notification.objects.filter(recipient=personas.carol, kind="problem.assigned").count()


# Updating ------------------------------------------------------------------------------------


def test_solving_sets_solved_at_and_reopening_clears_it(personas):
    problem = _problem(personas)
    _refused(
        "solution",
        services.problem_update,
        actor=personas.bob,
        problem=problem,
        data={"status": ProblemStatus.SOLVED},
    )
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.OPEN
    solved = services.problem_update(
        actor=personas.bob,
        problem=problem,
        data={
            "status": ProblemStatus.SOLVED,
            "root_cause": "A missing index.",
            "solution": "Index added.",
        },
        expected_version=1,
    )
    assert solved.solved_at is not None and solved.version == 2
    closed = services.problem_update(
        actor=personas.bob, problem=solved, data={"status": ProblemStatus.CLOSED}
    )
    assert closed.solved_at == solved.solved_at
    _refused(
        "solution",
        services.problem_update,
        actor=personas.bob,
        problem=closed,
        data={"solution": ""},
    )
    reopened = services.problem_update(
        actor=personas.bob, problem=closed, data={"status": ProblemStatus.IN_PROGRESS}
    )
    assert (reopened.status, reopened.solved_at) == (ProblemStatus.IN_PROGRESS, None)
    event = AuditEvent.objects.filter(action="problem.updated").order_by("pk").first()
    assert event.before["status"] == "open" and event.after["status"] == "solved"
    assert event.after["solution"] == "Index added."


def test_update_checks_the_version_and_records_only_changes(personas):
    problem = _problem(personas)
    services.problem_update(actor=personas.bob, problem=problem, data={"title": "Renamed"})
    with pytest.raises(StaleObjectError):
        services.problem_update(
            actor=personas.bob, problem=problem, data={"title": "Late"}, expected_version=1
        )
    same = services.problem_update(actor=personas.bob, problem=problem, data={"title": "Renamed"})
    assert same.version == 2
    assert AuditEvent.objects.filter(action="problem.updated").count() == 1


def test_update_links_and_refuses_foreign_ones(personas):
    problem = _problem(personas)
    first = make_requirement(personas.project, title="First")
    second = make_requirement(personas.project, title="Second")
    foreign = make_requirement(personas.other_project, title="Foreign")
    updated = services.problem_update(
        actor=personas.bob, problem=problem, data={"requirements": [first.pk, second.pk]}
    )
    assert set(updated.requirements.all()) == {first, second}
    _refused(
        "requirements",
        services.problem_update,
        actor=personas.bob,
        problem=updated,
        data={"requirements": [first, foreign], "title": "Not saved"},
    )
    kept = Problem.objects.get(pk=problem.pk)
    assert (kept.title, set(kept.requirements.all())) == (updated.title, {first, second})
    services.problem_update(actor=personas.bob, problem=kept, data={"requirements": []})
    assert not kept.requirements.exists()
    event = AuditEvent.objects.filter(action="problem.updated").order_by("pk").last()
    assert event.before["requirements"] == [first.key, second.key]
    assert event.after["requirements"] == []


def test_update_rules(personas):
    problem = _problem(personas)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    late = services.problem_update(
        actor=personas.bob, problem=problem, data={"due_date": yesterday}
    )
    assert late.is_overdue  # a past date is kept as history
    _refused(
        "visibility",
        services.problem_update,
        actor=personas.bob,
        problem=late,
        data={"visibility": Visibility.SHARED},
    )
    _refused(None, services.problem_update, actor=personas.carol, problem=late, data={})
    _refused(None, services.problem_update, actor=personas.bob, problem=late, data={"number": 9})
    changed_owner = services.problem_update(
        actor=personas.alice, problem=late, data={"owner": personas.bob}
    )
    assert changed_owner.owner == personas.bob
    assert Notification.objects.filter(recipient=personas.bob, kind="problem.assigned").exists()


def test_delete_is_for_the_manager(personas):
    problem = _problem(personas, requirements=[make_requirement(personas.project)])
    _refused(None, services.problem_delete, actor=personas.bob, problem=problem)
    with pytest.raises(StaleObjectError):
        services.problem_delete(actor=personas.alice, problem=problem, expected_version=7)
    services.problem_delete(actor=personas.alice, problem=problem, expected_version=1)
    assert not Problem.objects.exists()
    event = AuditEvent.objects.get(action="problem.deleted")
    assert event.before["title"] == problem.title and event.before["requirements"] == ["ACME-R1"]
    assert list(verify_audit_chains()) == []


# A risk occurs -------------------------------------------------------------------------------


def test_risk_occurred_becomes_a_problem_in_one_step(personas):
    risk = make_risk(
        personas.project,
        title="Client data arrives late",
        event="The client's test data is not delivered by the agreed date.",
        consequence="Acceptance testing slips by a week.",
        owner=personas.bob,
        visibility=Visibility.SHARED,
    )
    problem = services.risk_occurred(actor=personas.bob, risk=risk, expected_version=1)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OCCURRED and risk.version == 2
    review = RiskReview.objects.filter(risk=risk).order_by("-reviewed_at", "-id").first()
    assert review.status == RiskStatus.OCCURRED and review.reviewed_by == personas.bob
    assert problem.risk == risk
    assert problem.title == "Client data arrives late"
    assert problem.description == "The client's test data is not delivered by the agreed date."
    assert problem.impact == "Acceptance testing slips by a week."
    # The risk's visibility and owner: a member may not share, but the risk was shared already.
    assert (problem.visibility, problem.owner) == (Visibility.SHARED, personas.bob)
    assert AuditEvent.objects.get(action="problem.created").after["risk"] == risk.key
    assert AuditEvent.objects.filter(action="risk.updated", target_id=str(risk.pk)).exists()
    _refused("status", services.risk_occurred, actor=personas.bob, risk=risk)
    assert Problem.objects.count() == 1


def test_risk_occurred_with_own_texts_and_a_departed_owner(personas):
    risk = make_risk(personas.project, title="Key developer may leave", owner=personas.bob)
    Membership.objects.filter(project=personas.project, user=personas.bob).delete()
    problem = services.risk_occurred(
        actor=personas.alice,
        risk=risk,
        title="Key developer left",
        description="Our payment developer resigned.",
        impact="Payment module two weeks late.",
    )
    assert (problem.title, problem.description, problem.impact) == (
        "Key developer left",
        "Our payment developer resigned.",
        "Payment module two weeks late.",
    )
    assert problem.owner is None and problem.visibility == Visibility.INTERNAL


def test_risk_occurred_leaves_nothing_half_saved(personas):
    risk = make_risk(personas.project, title="Scope creep")
    with pytest.raises(StaleObjectError):
        services.risk_occurred(actor=personas.alice, risk=risk, expected_version=3)
    _refused(None, services.risk_occurred, actor=personas.carol, risk=risk)
    _refused("title", services.risk_occurred, actor=personas.alice, risk=risk, title="x" * 400)
    risk.refresh_from_db()
    assert (risk.status, risk.version) == (RiskStatus.OPEN, 1)
    assert RiskReview.objects.filter(risk=risk).count() == 1
    assert not Problem.objects.exists()


# Selectors -----------------------------------------------------------------------------------


def test_clients_see_shared_problems_and_visible_links_only(personas):
    internal_risk = make_risk(personas.project, title="INTERNAL-SECRET-risk")
    draft = make_requirement(personas.project, title="INTERNAL-SECRET-requirement")
    submitted = advance(make_requirement(personas.project, title="Shared one"), Status.SUBMITTED)
    internal = _problem(personas, title="INTERNAL-SECRET-problem")
    shared = _problem(
        personas,
        title="Shared problem",
        visibility=Visibility.SHARED,
        risk=internal_risk,
        requirements=[draft, submitted],
        due_date=timezone.localdate(),
    )
    for user in (personas.carol, personas.dave):
        assert list(selectors.problem_list(user, personas.project)) == [shared]
        seen = selectors.problem_get(user, personas.project, shared.number)
        assert seen.risk_visible is False
        assert list(selectors.problem_requirements(user, seen)) == [submitted]
        with pytest.raises(Http404):
            selectors.problem_get(user, personas.project, internal.number)
    for user in (personas.bob, personas.vera, personas.staff):
        assert list(selectors.problem_list(user, personas.project)) == [shared, internal]
        seen = selectors.problem_get(user, personas.project, shared.number)
        assert seen.risk_visible is True
        assert list(selectors.problem_requirements(user, seen)) == [draft, submitted]
    assert list(selectors.problem_list(personas.mallory, personas.project)) == []
    with pytest.raises(Http404):
        selectors.problem_get(personas.alice, personas.project, 99)


def test_open_and_overdue_problems(personas):
    later = _problem(personas, title="Later", due_date=timezone.localdate() + dt.timedelta(days=9))
    undated = _problem(personas, title="Undated")
    soon = _problem(personas, title="Soon", due_date=_tomorrow())
    _problem(personas, title="Solved", status=ProblemStatus.SOLVED, solution="Fixed.")
    late = services.problem_update(
        actor=personas.alice,
        problem=_problem(personas, title="Late"),
        data={"due_date": timezone.localdate() - dt.timedelta(days=2)},
    )
    assert selectors.open_problems(personas.bob, personas.project, limit=3) == [late, soon, later]
    assert selectors.open_problems(personas.bob, personas.project)[-1] == undated
    assert list(selectors.overdue_problems(personas.bob, personas.project)) == [late]
    assert selectors.open_problems(personas.carol, personas.project) == []
    assert Risk.objects.count() == 0


# Demo ----------------------------------------------------------------------------------------


def test_demo_projects_have_problems_and_loading_again_adds_nothing():
    from accord.core.demo import demo_load
    from accord.projects.choices import Role
    from accord.projects.models import Project

    report = demo_load()
    assert report.problems == ["HZYB", "ACME"]
    for key in ["HZYB", "ACME"]:
        project = Project.objects.get(key=key)
        register = Problem.objects.filter(project=project)
        assert 2 <= register.count() <= 3
        from_risk = register.get(risk__isnull=False)
        assert from_risk.risk.status == RiskStatus.OCCURRED
        assert from_risk.risk.reviews.filter(status=RiskStatus.OCCURRED).exists()
        solved = register.get(status=ProblemStatus.SOLVED)
        assert solved.root_cause and solved.solution and solved.solved_at
        shared_open = register.filter(status=ProblemStatus.OPEN, visibility=Visibility.SHARED)
        assert shared_open.count() == 1 and shared_open.get().requirements.count() == 2
        client = Membership.objects.filter(project=project, role=Role.CLIENT).first().user
        assert set(selectors.problem_list(client, project)) == set(
            register.filter(visibility=Visibility.SHARED)
        )
    assert Problem.objects.filter(project__key="HZYB", title__contains="测试环境").exists()
    assert list(verify_audit_chains()) == []
    before = Problem.objects.count(), RiskReview.objects.count()
    assert not demo_load().problems
    assert (Problem.objects.count(), RiskReview.objects.count()) == before


def test_demo_links_a_risk_that_occurred_before_problems_existed():
    from accord.core.demo import demo_load

    demo_load()
    Problem.objects.all().delete()  # a database loaded before the problem register
    report = demo_load()
    assert report.problems == ["HZYB", "ACME"]
    linked = Problem.objects.get(project__key="ACME", risk__isnull=False)
    assert linked.title == "Cloud bill 40% over the estimate"
    assert linked.status == ProblemStatus.IN_PROGRESS and linked.owner.email.startswith("tom")


def test_a_shared_problems_record_names_no_internal_link(personas):
    from accord.core.models import AuditEvent
    from accord.requirements.tests.factories import make_requirement
    from accord.risks import problem_services

    draft = make_requirement(personas.project, title="Draft requirement")
    shared = make_requirement(personas.project, status="submitted", title="Shared requirement")
    problem = problem_services.problem_create(
        actor=personas.alice,
        project=personas.project,
        title="Slow settlement",
        requirements=[draft, shared],
    )
    problem_services.problem_update(
        actor=personas.alice, problem=problem, data={"visibility": "shared"}
    )
    problem_services.problem_create(
        actor=personas.alice,
        project=personas.project,
        title="Shared from the start",
        visibility="shared",
        requirements=[draft, shared],
    )
    seen = AuditEvent.objects.visible_to(personas.carol).filter(action__startswith="problem.")
    texts = [str(event.before) + str(event.after) for event in seen]
    assert len(texts) == 2, "the client reads both shared records"
    assert all(draft.key not in text for text in texts)
    created = seen.get(action="problem.created")
    assert created.after["requirements"] == [shared.key]
