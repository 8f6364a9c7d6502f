"""The requirement services: versions and hashes, the workflow, client decisions, baselines,
discussion and links — every refusal leaves nothing half-saved."""

from __future__ import annotations

import pytest

from accord.accounts.tests.factories import UserFactory
from accord.core.audit import verify_audit_chains
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.integrity import run_checks
from accord.core.models import AuditEvent
from accord.notifications.models import Notification, OutgoingEmail
from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory
from accord.requirements import services
from accord.requirements.choices import Decision, Status, Transition
from accord.requirements.hashing import baseline_hash, content_hash
from accord.requirements.models import (
    Baseline,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
    RequirementVersion,
)
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db


def refused(field: str | None = None):
    """Expect an ApplicationError naming `field`."""

    class _Check:
        def __enter__(self):
            self.ctx = pytest.raises(ApplicationError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            result = self.ctx.__exit__(*exc)
            if field is not None:
                assert self.info.value.field == field, self.info.value.message
            return result

    return _Check()


# Creating and editing --------------------------------------------------------------------------


def test_create_records_version_one_with_hash_criteria_tags_and_audit(personas):
    requirement = services.requirement_create(
        actor=personas.alice,
        project=personas.project,
        title="  Sign in with the company account  ",
        description="Staff use their existing SSO login.",
        criteria=[
            {"style": "gherkin", "given": "a staff member", "when": "they sign in", "then": "SSO"},
            {"style": "free", "text": "No second password."},
        ],
        tags=["security", "Security", " login "],
    )
    assert requirement.key == "ACME-R1"
    assert requirement.title == "Sign in with the company account"
    assert requirement.status == Status.DRAFT
    assert requirement.visibility == Visibility.INTERNAL
    version = requirement.current_version
    assert version.number == 1
    assert version.content["acceptance_criteria"][0]["given"] == "a staff member"
    assert version.content_hash == content_hash(version.content)
    assert sorted(requirement.tags.values_list("name", flat=True)) == ["login", "security"]
    event = AuditEvent.objects.get(action="requirement.created")
    assert event.after["content_hash"] == version.content_hash
    assert event.after["criteria"] == 2


@pytest.mark.parametrize(
    ("fields", "criteria", "field"),
    [
        ({"title": "   "}, None, "title"),
        ({"title": "Fast", "quality_attribute": "performance"}, None, "quality_attribute"),
        ({"title": "Fast", "priority": "urgent"}, None, "priority"),
        ({"title": "Ok"}, [{"style": "free", "text": ""}], "criteria"),
        ({"title": "Ok"}, [{"style": "gherkin", "given": "x", "when": "y"}], "criteria"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(personas, fields, criteria, field):
    with refused(field):
        services.requirement_create(
            actor=personas.alice, project=personas.project, criteria=criteria, **fields
        )
    assert not Requirement.objects.exists()
    assert not RequirementVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="requirement.created").exists()


def test_parent_of_another_project_and_cycles_are_refused(personas):
    evil = make_requirement(personas.other_project, title="Evil parent")
    with refused("parent"):
        services.requirement_create(
            actor=personas.alice, project=personas.project, title="Child", parent=evil
        )
    epic = make_requirement(personas.project, title="Epic")
    story = make_requirement(personas.project, title="Story", parent=epic)
    detail = make_requirement(personas.project, title="Detail", parent=story)
    with refused("parent") as info:
        services.requirement_update(actor=personas.alice, requirement=epic, data={"parent": detail})
    assert "ACME-R" in info.value.message
    epic.refresh_from_db()
    assert epic.parent_id is None


def test_outsiders_viewers_and_clients_cannot_write(personas):
    for user in (personas.mallory, personas.vera, personas.carol, personas.dave):
        with refused():
            services.requirement_create(actor=user, project=personas.project, title="Nope")
    assert not Requirement.objects.exists()


def test_material_edit_makes_a_new_version_planning_edit_does_not(personas):
    requirement = make_requirement(personas.project)
    first = requirement.current_version
    services.requirement_update(
        actor=personas.bob,
        requirement=requirement,
        data={"effort_days": 3, "business_value": 8},
        tags=["reports"],
    )
    requirement.refresh_from_db()
    assert requirement.current_version_id == first.pk
    services.requirement_update(
        actor=personas.bob,
        requirement=requirement,
        data={"description": "Managers download the report of any past month, in Chinese too."},
        note="Chinese too",
    )
    requirement.refresh_from_db()
    assert requirement.current_version.number == 2
    assert requirement.current_version.note == "Chinese too"
    assert requirement.current_version.content_hash != first.content_hash
    assert requirement.current_version.author == personas.bob


def test_stale_edit_is_refused(personas):
    requirement = make_requirement(personas.project)
    seen = requirement.version
    services.requirement_update(actor=personas.bob, requirement=requirement, data={"title": "A"})
    with pytest.raises(StaleObjectError):
        services.requirement_update(
            actor=personas.alice,
            requirement=requirement,
            data={"title": "B"},
            expected_version=seen,
        )
    requirement.refresh_from_db()
    assert requirement.title == "A"


def test_reworded_criterion_loses_its_verification_unchanged_keeps_it(personas):
    requirement = make_requirement(
        personas.project,
        criteria=[{"style": "free", "text": "One"}, {"style": "free", "text": "Two"}],
    )
    one, two = requirement.criteria.order_by("position")
    services.criterion_verify(actor=personas.bob, criterion=one, verified=True, note="ok")
    services.criterion_verify(actor=personas.bob, criterion=two, verified=True)
    services.requirement_update(
        actor=personas.bob,
        requirement=requirement,
        data={},
        criteria=[
            {"id": one.pk, "style": "free", "text": "One"},
            {"id": two.pk, "style": "free", "text": "Two, reworded"},
        ],
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.verified and one.verified_by == personas.bob and one.verification_note == "ok"
    assert not two.verified and two.verified_by is None
    requirement.refresh_from_db()
    assert requirement.current_version.number == 2


# Workflow and visibility -----------------------------------------------------------------------


def test_visibility_follows_status_and_versions_shown_to_the_client(personas):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    assert requirement.visibility == Visibility.SHARED
    assert requirement.current_version.client_visible
    services.requirement_transition(
        actor=personas.alice, requirement=requirement, transition=Transition.RECALL
    )
    requirement.refresh_from_db()
    assert requirement.status == Status.IN_REVIEW
    assert requirement.visibility == Visibility.INTERNAL
    services.requirement_update(
        actor=personas.alice, requirement=requirement, data={"title": "Internal rewording"}
    )
    requirement.refresh_from_db()
    assert not requirement.current_version.client_visible


def test_transition_outside_the_table_is_refused(personas):
    requirement = make_requirement(personas.project)
    with refused("transition") as info:
        services.requirement_transition(
            actor=personas.alice, requirement=requirement, transition=Transition.VERIFY
        )
    assert "Draft" in info.value.message
    with refused("transition"):
        services.requirement_transition(
            actor=personas.alice, requirement=requirement, transition="teleport"
        )
    with refused("transition"):
        services.requirement_transition(
            actor=personas.alice, requirement=requirement, transition=Transition.CONFIRM
        )
    requirement.refresh_from_db()
    assert requirement.status == Status.DRAFT


def test_only_the_manager_submits(personas):
    requirement = make_requirement(personas.project, status=Status.IN_REVIEW)
    with refused("requirements"):
        services.requirements_submit(
            actor=personas.bob, project=personas.project, requirements=[requirement]
        )
    requirement.refresh_from_db()
    assert requirement.status == Status.IN_REVIEW


def test_submitting_is_all_or_nothing(personas):
    ready = make_requirement(personas.project, status=Status.IN_REVIEW)
    draft = make_requirement(personas.project)
    with refused("requirements") as info:
        services.requirements_submit(
            actor=personas.alice, project=personas.project, requirements=[ready, draft]
        )
    assert draft.key in info.value.message
    ready.refresh_from_db()
    assert ready.status == Status.IN_REVIEW
    assert not Notification.objects.exists()


def test_submission_notifies_client_approvers_only_in_their_language(personas):
    personas.dave.language = "zh-hans"
    personas.dave.save()
    requirement = make_requirement(personas.project, status=Status.IN_REVIEW)
    with pytest.MonkeyPatch.context():
        submission = services.requirements_submit(
            actor=personas.alice,
            project=personas.project,
            requirements=[requirement],
            message="Please confirm by Friday.",
        )
    assert list(submission.items.values_list("version_id", flat=True)) == [
        requirement.current_version_id
    ]
    notes = Notification.objects.all()
    assert [n.recipient for n in notes] == [personas.dave]
    assert notes[0].url == "/p/ACME/review/"
    assert notes[0].body == "Please confirm by Friday."
    mail = OutgoingEmail.objects.get()
    assert mail.to == personas.dave.email
    assert "ACME-R1" in mail.body and "/p/ACME/review/" in mail.body


def test_client_approver_confirms_the_exact_version_and_hash(personas):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    decision = services.requirement_confirm(
        actor=personas.dave,
        requirement=requirement,
        expected_hash=requirement.current_version.content_hash,
    )
    requirement.refresh_from_db()
    assert requirement.status == Status.CONFIRMED
    assert requirement.confirmed_version == requirement.current_version
    assert decision.content_hash == requirement.current_version.content_hash
    assert decision.decided_by == personas.dave
    assert decision.submission is not None
    assert Notification.objects.filter(
        recipient=personas.alice, kind="requirement.confirmed"
    ).exists()


@pytest.mark.parametrize("who", ["carol", "bob", "alice", "vera", "mallory"])
def test_only_client_approvers_confirm(personas, who):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    with refused("transition"):
        services.requirement_confirm(actor=getattr(personas, who), requirement=requirement)
    assert not ClientDecision.objects.filter(decision=Decision.CONFIRMED).exists()


def test_a_stale_hash_is_refused(personas):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    opened = requirement.current_version.content_hash
    services.requirement_update(
        actor=personas.alice, requirement=requirement, data={"title": "Changed meanwhile"}
    )
    with refused("expected_hash"):
        services.requirement_confirm(
            actor=personas.dave, requirement=requirement, expected_hash=opened
        )
    requirement.refresh_from_db()
    assert requirement.status == Status.SUBMITTED


def test_second_confirmation_is_refused_and_one_remains(personas):
    other = UserFactory(email="erin@example.com")
    MembershipFactory(project=personas.project, user=other, role=Role.CLIENT, can_approve=True)
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    services.requirement_confirm(actor=personas.dave, requirement=requirement)
    with refused("transition"):
        services.requirement_confirm(actor=other, requirement=requirement)
    assert ClientDecision.objects.filter(decision=Decision.CONFIRMED).count() == 1


def test_return_needs_a_comment_then_rework_and_resubmit(personas):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    with refused("comment"):
        services.requirement_return(actor=personas.dave, requirement=requirement, comment=" ")
    services.requirement_return(
        actor=personas.dave, requirement=requirement, comment="Which months?"
    )
    requirement.refresh_from_db()
    assert requirement.status == Status.RETURNED
    assert requirement.visibility == Visibility.SHARED
    services.requirement_update(
        actor=personas.alice,
        requirement=requirement,
        data={"description": "Any of the last 24 months."},
    )
    services.requirements_submit(
        actor=personas.alice, project=personas.project, requirements=[requirement]
    )
    requirement.refresh_from_db()
    assert requirement.status == Status.SUBMITTED
    assert requirement.current_version.number == 2
    assert requirement.current_version.client_visible


def test_edit_after_confirmation_needs_reconfirmation(personas):
    requirement = make_requirement(personas.project, status=Status.CONFIRMED)
    confirmed = requirement.confirmed_version
    services.requirement_update(
        actor=personas.bob, requirement=requirement, data={"title": "Quietly bigger scope"}
    )
    requirement.refresh_from_db()
    assert requirement.status == Status.CONFIRMED
    assert requirement.changed_since_confirmation
    assert not requirement.is_confirmed
    assert requirement.confirmed_version == confirmed
    assert requirement.current_version.client_visible  # the client sees the change
    event = AuditEvent.objects.filter(action="requirement.updated").first()
    assert event.after["changed_since_confirmation"] is True
    # Reverting the wording clears the mark; changing it again and resubmitting works.
    services.requirement_update(
        actor=personas.bob, requirement=requirement, data={"title": confirmed.content["title"]}
    )
    requirement.refresh_from_db()
    assert not requirement.changed_since_confirmation
    services.requirement_update(actor=personas.bob, requirement=requirement, data={"title": "v4"})
    services.requirements_submit(
        actor=personas.alice, project=personas.project, requirements=[requirement]
    )
    services.requirement_confirm(actor=personas.dave, requirement=requirement)
    requirement.refresh_from_db()
    assert requirement.is_confirmed and requirement.confirmed_version.number == 4


def test_bulk_confirmation_is_all_or_nothing(personas):
    first = make_requirement(personas.project, status=Status.SUBMITTED)
    second = make_requirement(personas.project, status=Status.SUBMITTED)
    draft = make_requirement(personas.project)
    with refused("requirements"):
        services.requirements_confirm(
            actor=personas.dave, project=personas.project, requirements=[first, draft]
        )
    assert not ClientDecision.objects.filter(decision=Decision.CONFIRMED).exists()
    made = services.requirements_confirm(
        actor=personas.dave, project=personas.project, requirements=[first, second]
    )
    assert {d.requirement_id for d in made} == {first.pk, second.pk}


def test_requirements_of_another_project_cannot_be_submitted_or_confirmed(personas):
    evil = make_requirement(personas.other_project, status=Status.IN_REVIEW)
    with refused("requirements"):
        services.requirements_submit(
            actor=personas.alice, project=personas.project, requirements=[evil]
        )


def test_acceptance_records_a_decision(personas):
    requirement = make_requirement(personas.project, status=Status.ACCEPTED)
    assert requirement.decisions.filter(decision=Decision.ACCEPTED).exists()
    with refused():
        services.requirement_update(
            actor=personas.alice, requirement=requirement, data={"title": "x"}
        )


# Baselines and verification ---------------------------------------------------------------------


def test_baseline_freezes_confirmed_versions_and_verify_passes(personas):
    confirmed = make_requirement(personas.project, status=Status.CONFIRMED, title="A")
    make_requirement(personas.project, status=Status.SUBMITTED, title="Pending")
    changed = make_requirement(personas.project, status=Status.CONFIRMED, title="B")
    services.requirement_update(actor=personas.bob, requirement=changed, data={"title": "B2"})
    changed.refresh_from_db()
    baseline = services.baseline_create(
        actor=personas.alice, project=personas.project, name="Sprint 1 scope"
    )
    items = {i.requirement_id: i.version_id for i in baseline.items.all()}
    assert items == {
        confirmed.pk: confirmed.confirmed_version_id,
        changed.pk: changed.confirmed_version_id,
    }
    assert baseline.key == "ACME-B1"
    assert baseline.content_hash == baseline_hash(
        [
            (confirmed.number, 1, confirmed.confirmed_version.content_hash),
            (changed.number, 1, changed.confirmed_version.content_hash),
        ]
    )
    results = {r.name: r for r in run_checks(["requirements", "audit"])}
    assert results["requirements"].ok, results["requirements"].problems
    assert results["audit"].ok
    assert list(verify_audit_chains()) == []


def test_verify_reports_tampered_versions_decisions_and_baselines(personas):
    requirement = make_requirement(personas.project, status=Status.CONFIRMED)
    services.baseline_create(actor=personas.alice, project=personas.project, name="One")
    version = requirement.confirmed_version
    RequirementVersion.objects.filter(pk=version.pk).update(
        content={**version.content, "title": "Not what was agreed"}
    )
    Baseline.objects.update(content_hash="0" * 64)
    problems = run_checks(["requirements"])[0].problems
    assert any("content does not match" in p for p in problems)
    assert any("ACME-B1" in p for p in problems)


def test_baseline_needs_a_name_authority_and_confirmed_requirements(personas):
    with refused("name"):
        services.baseline_create(actor=personas.alice, project=personas.project, name="Empty")
    make_requirement(personas.project, status=Status.CONFIRMED)
    with refused("name"):
        services.baseline_create(actor=personas.alice, project=personas.project, name=" ")
    with refused():
        services.baseline_create(actor=personas.bob, project=personas.project, name="Mine")
    assert not Baseline.objects.exists()


# Discussion and links ---------------------------------------------------------------------------


def test_clients_comment_shared_only_and_mentions_reach_only_readers(personas):
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    Notification.objects.all().delete()  # the submission's own notice to dave
    with refused("visibility"):
        services.comment_create(
            actor=personas.carol, requirement=requirement, body="hi", visibility="internal"
        )
    services.comment_create(
        actor=personas.bob,
        requirement=requirement,
        body="@carol @alice internal note",
        visibility=Visibility.INTERNAL,
    )
    assert list(Notification.objects.values_list("recipient__email", flat=True)) == [
        "alice@example.com"
    ]
    Notification.objects.all().delete()
    services.comment_create(
        actor=personas.carol,
        requirement=requirement,
        body="Could @bob explain?",
        visibility=Visibility.SHARED,
    )
    recipients = set(Notification.objects.values_list("recipient__email", "kind"))
    assert recipients == {
        ("bob@example.com", "comment.mention"),
        ("alice@example.com", "comment.client"),
    }


def test_shared_comment_on_an_internal_requirement_is_refused(personas):
    requirement = make_requirement(personas.project)
    with refused("visibility"):
        services.comment_create(
            actor=personas.bob, requirement=requirement, body="x", visibility="shared"
        )
    with refused():
        services.comment_create(
            actor=personas.carol, requirement=requirement, body="x", visibility="shared"
        )
    assert not Comment.objects.exists()


def test_only_author_or_manager_deletes_a_comment(personas):
    requirement = make_requirement(personas.project)
    comment = services.comment_create(
        actor=personas.bob, requirement=requirement, body="mine", visibility="internal"
    )
    with refused():
        services.comment_delete(actor=personas.vera, comment=comment)
    services.comment_delete(actor=personas.alice, comment=comment)
    assert not Comment.objects.exists()
    assert AuditEvent.objects.filter(action="comment.deleted").exists()


def test_links_stay_in_the_project_and_are_not_duplicated(personas):
    a = make_requirement(personas.project, title="A")
    b = make_requirement(personas.project, title="B")
    evil = make_requirement(personas.other_project, title="Evil")
    services.link_create(actor=personas.bob, source=a, target=b, kind="depends_on")
    with refused("target"):
        services.link_create(actor=personas.bob, source=a, target=b, kind="depends_on")
    with refused("target"):
        services.link_create(actor=personas.bob, source=a, target=evil, kind="refines")
    with refused("target"):
        services.link_create(actor=personas.bob, source=a, target=a, kind="refines")
    with refused("kind"):
        services.link_create(actor=personas.bob, source=a, target=b, kind="loves")
    assert RequirementLink.objects.count() == 1


def test_bulk_tagging_changes_tags_without_new_versions(personas):
    a = make_requirement(personas.project, tags=["old"])
    b = make_requirement(personas.project)
    changed = services.requirements_tag(
        actor=personas.bob,
        project=personas.project,
        requirements=[a, b],
        add=["Release 1"],
        remove=["OLD"],
    )
    assert changed == 2
    assert list(a.tags.values_list("name", flat=True)) == ["Release 1"]
    assert a.versions.count() == 1
    with refused("tags"):
        services.requirements_tag(
            actor=personas.bob, project=personas.project, requirements=[a], add=[]
        )


def test_a_link_to_a_draft_stays_out_of_the_clients_history(personas):
    shared = make_requirement(personas.project, status=Status.SUBMITTED, title="Shared")
    draft = make_requirement(personas.project, title="Draft")
    other = make_requirement(personas.project, status=Status.SUBMITTED, title="Also shared")
    services.link_create(actor=personas.bob, source=shared, target=draft, kind="depends_on")
    services.link_create(actor=personas.bob, source=shared, target=other, kind="refines")
    events = AuditEvent.objects.filter(action="requirement.linked").order_by("id")
    assert [e.visibility for e in events] == [Visibility.INTERNAL, Visibility.SHARED]
    seen_by_carol = AuditEvent.objects.visible_to(personas.carol).filter(
        action="requirement.linked"
    )
    assert [e.after["target"] for e in seen_by_carol] == [other.key]


def test_history_names_recorded_values_in_words(personas):
    from accord.projects.selectors import field_changes

    requirement = make_requirement(personas.project)
    services.requirement_update(actor=personas.bob, requirement=requirement, data={"title": "New"})
    event = AuditEvent.objects.filter(action="requirement.updated").get()
    labels = {change.name: change.label for change in field_changes(event)}
    assert labels["content_hash"] == "content hash"
    assert labels["version_number"] == "version"
    assert labels["title"] == "title"
