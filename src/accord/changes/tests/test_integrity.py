"""`accord verify` catches change approvals forged in the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.changes.choices import Decision, Status
from accord.changes.models import ChangeApproval
from accord.changes.tests.factories import make_change
from accord.core.testing import make_personas

pytestmark = pytest.mark.django_db


def verify() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def rejected():
    personas = make_personas()
    return make_change(personas.project, status=Status.REJECTED)


def test_unforged_approvals_verify(rejected) -> None:
    approved = make_change(rejected.project, status=Status.IMPLEMENTED, title="Other")

    passed, text = verify()

    assert passed, text
    assert "0 approvals" not in text
    assert ChangeApproval.objects.filter(change_request=approved).count() == 2


def test_an_approval_flipped_from_rejected_to_approved_is_caught(rejected) -> None:
    approval = ChangeApproval.objects.get(change_request=rejected)
    ChangeApproval.objects.filter(pk=approval.pk).update(decision=Decision.APPROVED)

    passed, text = verify()

    assert not passed
    assert f"{rejected.key}: the approved decision #{approval.pk}: changed after it was signed" in (
        text
    )


def test_a_flipped_approval_resealed_by_the_forger_is_caught(rejected) -> None:
    approval = ChangeApproval.objects.get(change_request=rejected)
    approval.decision = Decision.APPROVED
    ChangeApproval.objects.filter(pk=approval.pk).update(
        decision=Decision.APPROVED, signature=approval.compute_signature()
    )

    passed, text = verify()

    assert not passed
    assert f"{rejected.key}: the approved decision #{approval.pk}: does not match its audit" in text


def test_an_inserted_approval_is_caught(rejected) -> None:
    manager = rejected.project.memberships.get(role="manager").user
    first = ChangeApproval.objects.get(change_request=rejected)
    forged = ChangeApproval.objects.create(
        change_request=rejected,
        approver=manager,
        slot="manager",
        decision=Decision.APPROVED,
        content_hash=rejected.content_hash,
        revision=rejected.revision,
        decided_at=first.decided_at,
    )
    forged.seal()

    passed, text = verify()

    assert not passed
    assert f"{rejected.key}: the approved decision #{forged.pk}: has no audit record" in text


def test_a_voided_approval_still_verifies(rejected) -> None:
    """Voiding (when and why) is not what the approver signed."""
    ChangeApproval.objects.filter(change_request=rejected).update(
        voided_at=rejected.decided_at, void_reason="Another wording"
    )

    passed, text = verify()

    assert passed, text


def test_the_decision_e_mail_carries_the_chain_head_after_the_decision(rejected) -> None:
    from accord.core.audit import chain_head_hash
    from accord.core.models import AuditEvent
    from accord.notifications.models import OutgoingEmail

    head = chain_head_hash(rejected.project_id)
    mails = OutgoingEmail.objects.filter(subject__contains=f"{rejected.key} was rejected")

    assert mails.exists()
    assert all(head in mail.body for mail in mails)
    assert AuditEvent.objects.get(hash=head).action == "change.rejected"
