"""`accord verify` catches client decisions and requirement content forged in the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from accord.core.testing import make_personas
from accord.requirements import services
from accord.requirements.choices import Decision, Status
from accord.requirements.models import AcceptanceCriterion, ClientDecision, Requirement
from accord.requirements.tests.factories import make_requirement

pytestmark = pytest.mark.django_db


def verify() -> tuple[bool, str]:
    """Run `accord verify`: (passed, what it printed)."""
    out = StringIO()
    try:
        call_command("verify", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def world():
    personas = make_personas()
    project = personas.project
    confirmed = make_requirement(project, status=Status.CONFIRMED, title="Confirmed one")
    returned = make_requirement(project, status=Status.RETURNED, title="Returned one")
    accepted = make_requirement(project, status=Status.ACCEPTED, title="Accepted one")
    submitted = make_requirement(project, status=Status.SUBMITTED, title="Submitted one")
    return personas, confirmed, returned, accepted, submitted


def test_unforged_decisions_and_content_verify(world) -> None:
    passed, text = verify()

    assert passed, text
    assert "OK      signoffs: 4 client decisions, 0 approvals" in text
    assert "OK      requirement-content: 4 requirement(s)" in text


def test_a_decision_flipped_from_returned_to_confirmed_is_caught(world) -> None:
    _, _, returned, _, _ = world
    decision = ClientDecision.objects.get(requirement=returned)
    ClientDecision.objects.filter(pk=decision.pk).update(decision=Decision.CONFIRMED)

    passed, text = verify()

    assert not passed
    assert (
        f"{returned.key}: the confirmed decision #{decision.pk}: changed after it was signed"
        in (text)
    )


def test_a_flipped_decision_resealed_by_the_forger_no_longer_matches_its_audit_record(
    world,
) -> None:
    _, _, returned, _, _ = world
    decision = ClientDecision.objects.get(requirement=returned)
    decision.decision = Decision.CONFIRMED
    ClientDecision.objects.filter(pk=decision.pk).update(
        decision=Decision.CONFIRMED, signature=decision.compute_signature()
    )

    passed, text = verify()

    assert not passed
    assert f"{returned.key}: the confirmed decision #{decision.pk}: does not match its audit" in (
        text
    )


def test_an_inserted_confirmation_is_caught_even_when_sealed(world) -> None:
    personas, _, _, _, submitted = world
    forged = ClientDecision.objects.create(
        requirement=submitted,
        version_id=submitted.current_version_id,
        content_hash=submitted.current_version.content_hash,
        decision=Decision.CONFIRMED,
        decided_by=personas.dave,
        decided_at=timezone.now(),
    )
    forged.seal()
    Requirement.objects.filter(pk=submitted.pk).update(
        status=Status.CONFIRMED, confirmed_version_id=submitted.current_version_id
    )

    passed, text = verify()

    assert not passed
    assert f"{submitted.key}: the confirmed decision #{forged.pk}: has no audit record" in text


def test_a_confirmation_inserted_with_raw_sql_is_caught(world) -> None:
    personas, _, _, _, submitted = world
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO requirements_clientdecision (requirement_id, version_id, content_hash, "
            "decision, decided_by_id, decided_at, comment, signature) "
            "VALUES (%s, %s, %s, 'confirmed', %s, %s, '', '')",
            [
                submitted.pk,
                submitted.current_version_id,
                submitted.current_version.content_hash,
                personas.dave.pk,
                timezone.now(),
            ],
        )
    forged = ClientDecision.objects.get(requirement=submitted)

    passed, text = verify()

    assert not passed
    assert f"{submitted.key}: the confirmed decision #{forged.pk}: carries no sign-off hash" in text
    assert f"{submitted.key}: the confirmed decision #{forged.pk}: has no audit record" in text


def test_a_deleted_decision_is_caught_through_its_audit_record(world) -> None:
    _, _, returned, _, _ = world
    decision = ClientDecision.objects.get(requirement=returned)
    ClientDecision.objects.filter(pk=decision.pk).delete()

    passed, text = verify()

    assert not passed
    assert f"records sign-off requirements.clientdecision #{decision.pk}, which does not exist" in (
        text
    )


def test_new_text_on_a_confirmed_requirement_is_caught(world) -> None:
    _, confirmed, _, _, _ = world
    Requirement.objects.filter(pk=confirmed.pk).update(description="Also export every year.")

    passed, text = verify()

    assert not passed
    assert f"{confirmed.key}: its text or acceptance criteria differ from v1" in text
    assert f"{confirmed.key}: shows as confirmed, but its content is not the confirmed v1" in text


def test_an_edited_acceptance_criterion_is_caught(world) -> None:
    _, confirmed, _, _, _ = world
    AcceptanceCriterion.objects.filter(requirement=confirmed).update(text="Any PDF will do.")

    passed, text = verify()

    assert not passed
    assert f"{confirmed.key}: its text or acceptance criteria differ from v1" in text


def test_a_requirement_shown_confirmed_without_a_confirmation_is_caught(world) -> None:
    _, _, _, _, submitted = world
    Requirement.objects.filter(pk=submitted.pk).update(
        status=Status.CONFIRMED, confirmed_version_id=submitted.current_version_id
    )

    passed, text = verify()

    assert not passed
    assert f"{submitted.key}: shows v1 as confirmed, but no confirmation of it is recorded" in text


def test_decisions_recorded_before_sealing_are_matched_through_their_audit_records(
    world,
) -> None:
    """Rows sealed by the upgrade's migration, whose audit records carry no signature."""
    from accord.core.models import AuditEvent

    _, _, returned, _, _ = world
    # What the trail of an older install holds: the same records without their "signoff".
    for event in AuditEvent.objects.filter(after__has_key="signoff"):
        after = dict(event.after)
        after.pop("signoff")
        AuditEvent.objects.filter(pk=event.pk).update(after=after)
    with pytest.raises(CommandError):
        call_command("verify", "--check", "audit", stdout=StringIO())
    assert verify_signoffs_only()[0]

    decision = ClientDecision.objects.get(requirement=returned)
    decision.decision = Decision.CONFIRMED
    ClientDecision.objects.filter(pk=decision.pk).update(
        decision=Decision.CONFIRMED, signature=decision.compute_signature()
    )

    passed, text = verify_signoffs_only()
    assert not passed
    assert f"{returned.key}: the confirmed decision #{decision.pk}: has no audit record" in text
    assert "the requirements.clientdecision it records is missing or was changed" in text


def verify_signoffs_only() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify", "--check", "signoffs", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_a_change_applied_confirmation_is_sealed_and_audited() -> None:
    from accord.changes.choices import Status as ChangeStatus
    from accord.changes.tests.factories import make_change

    personas = make_personas()
    change = make_change(personas.project, status=ChangeStatus.IMPLEMENTED)
    made = ClientDecision.objects.get(change_request=change)

    passed, text = verify()

    assert passed, text
    assert made.signature == made.compute_signature()


def test_a_decision_e_mail_carries_the_chain_head_that_verify_finds() -> None:
    from accord.core.audit import chain_head_hash
    from accord.notifications.models import OutgoingEmail

    personas = make_personas()
    requirement = make_requirement(personas.project, status=Status.SUBMITTED)
    OutgoingEmail.objects.all().delete()
    services.requirement_return(
        actor=personas.dave, requirement=requirement, comment="Say which months."
    )
    head = chain_head_hash(personas.project.pk)
    mail = OutgoingEmail.objects.get(to=personas.alice.email)
    make_requirement(personas.project, title="Written after the e-mail")

    assert head in mail.body
    assert "Say which months." in mail.body
    out = StringIO()
    call_command("verify", "--anchor", head, stdout=out)
    assert "record(s) follow it" in out.getvalue()
