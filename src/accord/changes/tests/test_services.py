"""The change request services: creating and editing the redline and assessment, hashing,
voiding approvals, decisions under the policy — every refusal names its field and leaves
nothing changed."""

from __future__ import annotations

import pytest

from accord.accounts.tests.factories import UserFactory
from accord.changes import selectors, services
from accord.changes.choices import ApproverSlot, Decision, Status
from accord.changes.hashing import change_hash
from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest, ScheduleImpact
from accord.changes.tests.factories import confirmed_requirement, make_change, modify_line
from accord.core.choices import Visibility
from accord.core.exceptions import ApplicationError, StaleObjectError
from accord.core.integrity import run_checks
from accord.core.models import AuditEvent
from accord.notifications.models import Notification, OutgoingEmail
from accord.projects.choices import Role
from accord.projects.tests.factories import MembershipFactory, MilestoneFactory
from accord.requirements import services as requirement_services
from accord.requirements.choices import Status as RequirementStatus
from accord.requirements.models import Baseline, ClientDecision, Requirement, RequirementVersion
from accord.requirements.tests.factories import make_requirement
from accord.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db


def refused(field: str):
    """Expect an ApplicationError naming `field`."""

    class _Check:
        def __enter__(self):
            self.ctx = pytest.raises(ApplicationError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            result = self.ctx.__exit__(*exc)
            assert self.info.value.field == field, (self.info.value.field, self.info.value.message)
            return result

    return _Check()


def _state(change: ChangeRequest) -> tuple:
    change.refresh_from_db()
    return (
        change.status,
        change.version,
        change.revision,
        change.content_hash,
        list(change.items.values_list("action", "requirement_id", "base_version_id", "proposed")),
        ChangeApproval.objects.filter(change_request=change, voided_at__isnull=True).count(),
    )


# Creating ---------------------------------------------------------------------------------------


def test_team_creates_internal_draft_with_redline_hash_and_audit(personas):
    requirement = confirmed_requirement(personas.project)
    milestone = MilestoneFactory(project=personas.project)
    risk = make_risk(personas.project)
    change = services.change_create(
        actor=personas.bob,
        project=personas.project,
        title="  CSV export  ",
        reason="Finance needs it.",
        effort_days="2.5",
        cost="1200",
        cost_currency="eur",
        items=[
            modify_line(requirement, priority="must"),
            {
                "action": "add",
                "proposed": {
                    "title": "CSV export",
                    "acceptance_criteria": [{"style": "free", "text": "Opens in a spreadsheet."}],
                },
            },
        ],
        schedule=[{"milestone": milestone, "shift_days": 5, "note": "two more days of QA"}],
        new_risks=[risk],
    )
    assert change.title == "CSV export"
    assert change.key == "ACME-CR1"
    assert change.visibility == Visibility.INTERNAL
    assert change.requested_by == personas.bob
    assert change.status == Status.DRAFT
    assert change.cost_currency == "EUR"
    items = list(change.items.order_by("position"))
    assert [i.action for i in items] == ["modify", "add"]
    assert items[0].base_version_id == requirement.current_version_id
    # Missing proposed fields default to the current content.
    assert items[0].proposed["title"] == requirement.title
    assert items[0].proposed["priority"] == "must"
    assert (
        items[0].proposed["acceptance_criteria"]
        == requirement.current_version.content["acceptance_criteria"]
    )
    assert items[1].proposed["source"] == "change_request"
    assert items[1].proposed["source_reference"] == "ACME-CR1"
    assert change.content_hash == change_hash(ChangeRequest.objects.get(pk=change.pk))
    assert len(change.content_hash) == 64
    event = AuditEvent.objects.get(action="change.created")
    assert event.after["items"] == 2 and event.after["content_hash"] == change.content_hash
    assert event.visibility == Visibility.INTERNAL


def test_client_raises_shared_request_and_managers_hear_of_it(personas):
    change = services.change_create(
        actor=personas.carol,
        project=personas.project,
        title="Dark mode",
        reason="Our staff work at night.",
        items=[{"action": "add", "proposed": {"title": "Dark mode"}}],
    )
    assert change.visibility == Visibility.SHARED
    assert change.requested_by == personas.carol
    assert Notification.objects.filter(recipient=personas.alice, kind="change.created").exists()
    assert selectors.change_list(personas.carol, personas.project).filter(pk=change.pk).exists()


def test_client_sees_only_shared_requests(personas):
    draft = make_change(personas.project)
    submitted = make_change(personas.project, status=Status.SUBMITTED)
    visible = set(selectors.change_list(personas.carol, personas.project))
    assert visible == {submitted}
    with pytest.raises(Exception) as info:
        selectors.change_for(personas.carol, personas.project, draft.number)
    assert info.typename == "Http404"
    assert selectors.change_for(personas.alice, personas.project, draft.number) == draft
    with pytest.raises(Exception) as info:
        selectors.change_for(personas.mallory, personas.project, submitted.number)
    assert info.typename == "Http404"


@pytest.mark.parametrize("who", ["vera", "mallory"])
def test_viewers_and_outsiders_cannot_raise(personas, who):
    with refused("project"):
        services.change_create(
            actor=getattr(personas, who), project=personas.project, title="X", reason="Y"
        )
    assert not ChangeRequest.objects.exists()


def test_client_cannot_enter_the_assessment(personas):
    with refused("effort_days"):
        services.change_create(
            actor=personas.carol, project=personas.project, title="X", reason="Y", effort_days=3
        )
    milestone = MilestoneFactory(project=personas.project)
    with refused("schedule"):
        services.change_create(
            actor=personas.carol,
            project=personas.project,
            title="X",
            reason="Y",
            schedule=[{"milestone": milestone, "shift_days": 3}],
        )
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " ", "reason": "Y"}, "title"),
        ({"title": "X", "reason": ""}, "reason"),
        ({"title": "X", "reason": "Y", "type": "nonsense"}, "type"),
        ({"title": "X", "reason": "Y", "cost": "100"}, "cost_currency"),
        ({"title": "X", "reason": "Y", "cost": "100", "cost_currency": "euro"}, "cost_currency"),
        ({"title": "X", "reason": "Y", "cost": "-5", "cost_currency": "EUR"}, "cost"),
        ({"title": "X", "reason": "Y", "status": "approved"}, "status"),
    ],
)
def test_bad_fields_are_refused(personas, fields, field):
    with refused(field):
        services.change_create(actor=personas.bob, project=personas.project, **fields)
    assert not ChangeRequest.objects.exists()


def _bad_line(personas, kind):
    project = personas.project
    if kind == "other project":
        other = make_requirement(personas.other_project, actor=personas.mallory)
        return [modify_line(other)]
    requirement = confirmed_requirement(project)
    if kind == "twice":
        return [modify_line(requirement), modify_line(requirement, title="Other")]
    if kind == "withdrawn":
        withdrawn = make_requirement(project, status=RequirementStatus.WITHDRAWN)
        return [{"action": "withdraw", "requirement": withdrawn}]
    if kind == "unknown action":
        return [{"action": "rename", "requirement": requirement}]
    if kind == "no change":
        return [{"action": "modify", "requirement": requirement, "proposed": {}}]
    if kind == "same content":
        return [
            {
                "action": "modify",
                "requirement": requirement,
                "proposed": {"title": requirement.title},
            }
        ]
    if kind == "add without title":
        return [{"action": "add", "proposed": {"description": "no title"}}]
    if kind == "withdraw with content":
        return [{"action": "withdraw", "requirement": requirement, "proposed": {"title": "x"}}]
    if kind == "bad criterion":
        return [modify_line(requirement, acceptance_criteria=[{"style": "gherkin", "given": "a"}])]
    if kind == "unknown field":
        return [modify_line(requirement, tags=["x"])]
    if kind == "bad priority":
        return [modify_line(requirement, priority="urgent")]
    if kind == "modify without requirement":
        return [{"action": "modify", "proposed": {"title": "x"}}]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "other project",
        "twice",
        "withdrawn",
        "unknown action",
        "no change",
        "same content",
        "add without title",
        "withdraw with content",
        "bad criterion",
        "unknown field",
        "bad priority",
        "modify without requirement",
    ],
)
def test_bad_redline_lines_are_refused_naming_items_and_the_line(personas, kind):
    items = _bad_line(personas, kind)
    with refused("items") as info:
        services.change_create(
            actor=personas.bob, project=personas.project, title="X", reason="Y", items=items
        )
    assert f"Line {len(items)}" in info.value.message
    assert not ChangeRequest.objects.exists()
    assert not ChangeItem.objects.exists()


def test_client_cannot_name_a_requirement_not_shared_with_them(personas):
    internal = make_requirement(personas.project)  # a draft: internal
    with refused("items"):
        services.change_create(
            actor=personas.carol,
            project=personas.project,
            title="X",
            reason="Y",
            items=[{"action": "withdraw", "requirement": internal}],
        )
    assert not ChangeRequest.objects.exists()


def test_schedule_and_risks_of_another_project_are_refused(personas):
    other_milestone = MilestoneFactory(project=personas.other_project)
    with refused("schedule"):
        services.change_create(
            actor=personas.bob,
            project=personas.project,
            title="X",
            reason="Y",
            schedule=[{"milestone": other_milestone, "shift_days": 2}],
        )
    milestone = MilestoneFactory(project=personas.project)
    with refused("schedule"):
        services.change_create(
            actor=personas.bob,
            project=personas.project,
            title="X",
            reason="Y",
            schedule=[{"milestone": milestone, "shift_days": 99999}],
        )
    with refused("new_risks"):
        services.change_create(
            actor=personas.bob,
            project=personas.project,
            title="X",
            reason="Y",
            new_risks=[make_risk(personas.other_project)],
        )
    assert not ChangeRequest.objects.exists()
    assert not ScheduleImpact.objects.exists()


# Editing ----------------------------------------------------------------------------------------


def test_material_edit_increments_revision_and_rehashes(personas):
    change = make_change(personas.project)
    old_hash = change.content_hash
    change = services.change_update(
        actor=personas.bob, change=change, data={"reason": "Finance and audit need it."}
    )
    assert change.revision == 2
    assert change.content_hash != old_hash
    assert change.content_hash == change_hash(change)
    event = AuditEvent.objects.filter(action="change.updated").get()
    assert event.before["revision"] == 1 and event.after["revision"] == 2


def test_non_material_edit_keeps_revision(personas):
    change = make_change(personas.project)
    change = services.change_update(
        actor=personas.bob, change=change, data={"source_reference": "Meeting 3 May"}
    )
    assert change.revision == 1
    assert change.source_reference == "Meeting 3 May"
    # An edit that changes nothing records nothing.
    before = AuditEvent.objects.count()
    services.change_update(actor=personas.bob, change=change, data={"title": change.title})
    assert AuditEvent.objects.count() == before


def test_edit_after_an_approval_voids_it_and_tells_the_approver(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    approval = services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    services.change_update(
        actor=personas.bob,
        change=change,
        data={"effort_days": "4"},
        expected_version=change.version,
    )
    approval.refresh_from_db()
    assert approval.voided_at is not None
    assert "revision 1 → 2" in approval.void_reason
    assert Notification.objects.filter(
        recipient=personas.alice, kind="change.approval_voided"
    ).exists()
    event = AuditEvent.objects.filter(action="change.updated").latest("id")
    assert event.after["voided_approvals"] == 1
    # The voided decision no longer counts; alice may decide again.
    change.refresh_from_db()
    assert selectors.decision_options(personas.alice, change) == ApproverSlot.MANAGER
    assert change.status == Status.AWAITING_APPROVAL


def test_stale_edit_is_refused(personas):
    change = make_change(personas.project)
    before = _state(change)
    with pytest.raises(StaleObjectError):
        services.change_update(
            actor=personas.bob,
            change=change,
            data={"title": "Another"},
            expected_version=change.version - 1 if change.version > 1 else 99,
        )
    assert _state(change) == before


def test_edit_of_a_decided_request_is_refused(personas):
    change = make_change(personas.project, status=Status.APPROVED)
    before = _state(change)
    with refused("status"):
        services.change_update(actor=personas.alice, change=change, data={"title": "Another"})
    assert _state(change) == before


def test_client_edits_own_request_only_before_assessment(personas):
    change = services.change_create(
        actor=personas.carol, project=personas.project, title="Dark mode", reason="Night."
    )
    services.change_update(actor=personas.carol, change=change, data={"background": "Eyes."})
    services.change_transition(actor=personas.carol, change=change, transition="submit")
    services.change_transition(actor=personas.bob, change=change, transition="assess")
    change.refresh_from_db()
    before = _state(change)
    with refused("change"):
        services.change_update(actor=personas.carol, change=change, data={"title": "Other"})
    with refused("change"):
        services.change_update(actor=personas.dave, change=change, data={"title": "Other"})
    assert _state(change) == before


def test_edit_with_a_bad_line_changes_nothing(personas):
    change = make_change(personas.project)
    before = _state(change)
    other = make_requirement(personas.other_project, actor=personas.mallory)
    with refused("items"):
        services.change_update(
            actor=personas.bob, change=change, data={"title": "New"}, items=[modify_line(other)]
        )
    assert _state(change) == before


# Workflow ---------------------------------------------------------------------------------------


def test_submit_shares_a_team_draft_and_request_approval_sets_due_and_notifies(personas):
    change = make_change(personas.project)
    services.change_transition(actor=personas.bob, change=change, transition="submit")
    change.refresh_from_db()
    assert change.visibility == Visibility.SHARED and change.submitted_at
    services.change_transition(actor=personas.bob, change=change, transition="assess")
    services.change_transition(
        actor=personas.alice, change=change, transition="request_approval", comment="Please."
    )
    change.refresh_from_db()
    assert change.status == Status.AWAITING_APPROVAL
    assert change.approval_due is not None
    assert Notification.objects.filter(
        recipient=personas.dave, kind="change.approval_requested"
    ).exists()
    # carol has no signing authority; bob raised it (no self-approval): neither is asked.
    assert not Notification.objects.filter(
        recipient__in=[personas.carol, personas.bob], kind="change.approval_requested"
    ).exists()
    assert AuditEvent.objects.filter(action="change.request_approval").exists()


def test_request_approval_is_sent_by_email(personas, django_capture_on_commit_callbacks):
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_transition(
            actor=personas.alice, change=change, transition="request_approval"
        )
    mail = OutgoingEmail.objects.get(to="dave@example.com", subject__contains=change.key)
    assert change.key in mail.subject
    assert change.key in mail.body


def test_transition_refusals_name_the_field_and_change_nothing(personas):
    change = make_change(personas.project, status=Status.SUBMITTED)
    before = _state(change)
    with refused("transition"):
        services.change_transition(actor=personas.bob, change=change, transition="nonsense")
    with refused("transition"):  # wrong state
        services.change_transition(actor=personas.alice, change=change, transition="close")
    with refused("transition"):  # a member cannot request approval
        services.change_transition(actor=personas.carol, change=change, transition="assess")
    with refused("transition"):  # applying has its own service
        services.change_transition(actor=personas.alice, change=change, transition="implement")
    assert _state(change) == before


def test_request_approval_refused_when_policy_cannot_be_met(personas):
    # The manager raised it and may not approve her own request: no one else manages ACME.
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT, actor=personas.alice)
    before = _state(change)
    with refused("transition") as info:
        services.change_transition(
            actor=personas.alice, change=change, transition="request_approval"
        )
    assert "Project manager" in info.value.message
    assert _state(change) == before


# Decisions --------------------------------------------------------------------------------------


def test_pm_and_client_approver_approve(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    policy = selectors.policy_for(personas.project)
    assert selectors.pending_slots(change, policy) == [("manager", 1, 0), ("client", 1, 0)]
    assert selectors.decision_options(personas.alice, change) == "manager"
    assert selectors.decision_options(personas.dave, change) == "client"
    assert selectors.decision_options(personas.carol, change) is None
    first = services.change_decide(
        actor=personas.dave,
        change=change,
        decision=Decision.APPROVED,
        comment="Fine by us.",
        expected_hash=change.content_hash,
    )
    assert first.slot == "client" and first.content_hash == change.content_hash
    assert first.revision == 1
    change.refresh_from_db()
    assert change.status == Status.AWAITING_APPROVAL
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    assert change.status == Status.APPROVED
    assert change.decided_at is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="change.").values_list("action", flat=True)
    )
    assert actions.count("change.approved_by") == 2
    assert "change.approved" in actions
    assert Notification.objects.filter(recipient=personas.bob, kind="change.approved").exists()
    assert Notification.objects.filter(recipient=personas.dave, kind="change.approved").exists()
    # carol has no signing authority and did not raise it: the outcome is not hers to hear.
    assert not Notification.objects.filter(recipient=personas.carol).exists()


def test_one_rejection_rejects(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    services.change_decide(
        actor=personas.dave,
        change=change,
        decision=Decision.REJECTED,
        comment="Not now.",
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    assert change.status == Status.REJECTED
    assert AuditEvent.objects.filter(action="change.rejected").exists()


@pytest.mark.parametrize(
    ("who", "decision", "comment", "hash_", "field"),
    [
        ("carol", "approved", "", "ok", "decision"),  # no signing authority
        ("bob", "approved", "", "ok", "decision"),  # requester, team member
        ("vera", "approved", "", "ok", "decision"),
        ("mallory", "approved", "", "ok", "decision"),
        ("dave", "maybe", "", "ok", "decision"),
        ("dave", "approved", "", "stale", "expected_hash"),
        ("dave", "approved", "", "", "expected_hash"),
        ("dave", "rejected", "  ", "ok", "comment"),
    ],
)
def test_decision_refusals(personas, who, decision, comment, hash_, field):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    before = _state(change)
    with refused(field):
        services.change_decide(
            actor=getattr(personas, who),
            change=change,
            decision=decision,
            comment=comment,
            expected_hash=change.content_hash if hash_ == "ok" else ("0" * 64 if hash_ else ""),
        )
    assert _state(change) == before
    assert not ChangeApproval.objects.exists()


def test_self_approval_refused_unless_the_policy_allows(personas):
    MembershipFactory(
        project=personas.project,
        user=UserFactory(email="erin@example.com"),
        role=Role.CLIENT,
        can_approve=True,
    )
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL, actor=personas.dave)
    with refused("decision") as info:
        services.change_decide(
            actor=personas.dave,
            change=change,
            decision=Decision.APPROVED,
            expected_hash=change.content_hash,
        )
    assert "raised yourself" in info.value.message
    assert not ChangeApproval.objects.exists()
    services.policy_update(
        actor=personas.alice, project=personas.project, data={"allow_self_approval": True}
    )
    services.change_decide(
        actor=personas.dave,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    assert ChangeApproval.objects.filter(approver=personas.dave, slot="client").exists()


def test_second_decision_by_the_same_person_is_refused(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    with refused("decision"):
        services.change_decide(
            actor=personas.alice,
            change=change,
            decision=Decision.REJECTED,
            comment="Changed my mind",
            expected_hash=change.content_hash,
        )
    assert ChangeApproval.objects.count() == 1
    change.refresh_from_db()
    assert change.status == Status.AWAITING_APPROVAL


def test_decision_outside_awaiting_approval_is_refused(personas):
    change = make_change(personas.project, status=Status.UNDER_ASSESSMENT)
    with refused("decision"):
        services.change_decide(
            actor=personas.alice,
            change=change,
            decision=Decision.APPROVED,
            expected_hash=change.content_hash,
        )
    assert not ChangeApproval.objects.exists()


def test_board_policy_counts_board_members(personas):
    services.policy_update(
        actor=personas.alice,
        project=personas.project,
        data={"require_manager": False, "client_approvals": 0, "board_approvals": 2},
        board=[personas.alice, personas.vera, personas.dave],
    )
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    for person in (personas.vera, personas.dave):
        change.refresh_from_db()
        services.change_decide(
            actor=person,
            change=change,
            decision=Decision.APPROVED,
            expected_hash=change.content_hash,
        )
    change.refresh_from_db()
    assert change.status == Status.APPROVED
    assert set(change.approvals.values_list("slot", flat=True)) == {"board"}


def test_policy_refusals(personas):
    with refused("policy"):
        services.policy_update(actor=personas.bob, project=personas.project, data={})
    with refused("board_approvals"):
        services.policy_update(
            actor=personas.alice, project=personas.project, data={"board_approvals": 2}, board=[]
        )
    with refused("board"):
        services.policy_update(
            actor=personas.alice,
            project=personas.project,
            data={"board_approvals": 1},
            board=[personas.mallory],
        )
    with refused("require_manager"):
        services.policy_update(
            actor=personas.alice,
            project=personas.project,
            data={"require_manager": False, "client_approvals": 0},
        )
    with refused("decision_days"):
        services.policy_update(
            actor=personas.alice, project=personas.project, data={"decision_days": 0}
        )
    from accord.changes.models import ApprovalPolicy

    assert not ApprovalPolicy.objects.exists()
    policy = services.policy_update(
        actor=personas.alice, project=personas.project, data={"decision_days": 3}
    )
    with pytest.raises(StaleObjectError):
        services.policy_update(
            actor=personas.alice,
            project=personas.project,
            data={"decision_days": 4},
            expected_version=policy.version + 1,
        )
    policy.refresh_from_db()
    assert policy.decision_days == 3
    assert AuditEvent.objects.filter(action="change.policy_updated").count() == 1


# Applying ---------------------------------------------------------------------------------------


def _approved_change_with_three_lines(personas):
    project = personas.project
    changed = confirmed_requirement(project, title="Export the report as PDF")
    accepted = make_requirement(project, status=RequirementStatus.ACCEPTED, title="Sign in")
    dropped = confirmed_requirement(project, title="Fax the report")
    untouched = confirmed_requirement(project, title="Print the report")
    old_baseline = requirement_services.baseline_create(
        actor=personas.alice, project=project, name="Contract"
    )
    items = [
        modify_line(
            changed,
            acceptance_criteria=[
                {"style": "free", "text": "The PDF matches the on-screen report."},
                {"style": "gherkin", "given": "a month", "when": "I export", "then": "a CSV"},
            ],
        ),
        modify_line(accepted, priority="must"),
        {"action": "withdraw", "requirement": dropped, "note": "Nobody faxes."},
        {"action": "add", "proposed": {"title": "Export as CSV", "description": "For finance."}},
    ]
    change = make_change(project, status=Status.APPROVED, items=items)
    return change, changed, accepted, dropped, untouched, old_baseline


def test_apply_writes_versions_confirmations_baseline_exactly_the_change(personas):
    change, changed, accepted, dropped, untouched, old_baseline = _approved_change_with_three_lines(
        personas
    )
    changed_criterion = changed.criteria.get(position=1)
    requirement_services.criterion_verify(
        actor=personas.bob, criterion=changed_criterion, verified=True
    )
    change = services.change_apply(
        actor=personas.alice, change=change, baseline_name="Contract + CR1"
    )
    assert change.status == Status.IMPLEMENTED
    assert change.implemented_by == personas.alice and change.implemented_at
    items = list(change.items.order_by("position"))
    for requirement in (changed, accepted, dropped):
        requirement.refresh_from_db()
    # modify: a new version with the proposed content, confirmed by the change.
    assert changed.current_version.number == 2
    assert changed.current_version.content == items[0].proposed
    assert changed.current_version.note == f"Changed by {change.key}"
    assert changed.confirmed_version_id == changed.current_version_id
    assert changed.status == RequirementStatus.CONFIRMED
    assert not changed.changed_since_confirmation
    # An unchanged criterion keeps its verification.
    assert changed.criteria.get(position=1).verified
    assert changed.criteria.count() == 2
    # An accepted requirement is confirmed again: work must follow the new wording.
    assert accepted.status == RequirementStatus.CONFIRMED
    assert accepted.current_version.content["priority"] == "must"
    assert dropped.status == RequirementStatus.WITHDRAWN
    added = items[3].result_requirement
    assert added.status == RequirementStatus.CONFIRMED and added.is_shared
    assert added.source == "change_request" and added.source_reference == change.key
    assert added.current_version.number == 1 and added.current_version.client_visible
    assert items[0].result_version == changed.current_version
    assert items[2].result_requirement == dropped and items[2].result_version is None
    # Each new version carries a confirmation naming the change and the client approver.
    confirmations = ClientDecision.objects.filter(change_request=change)
    assert confirmations.count() == 3
    for decision in confirmations:
        assert decision.decided_by == personas.dave
        assert decision.content_hash == decision.version.content_hash
        assert decision.decided_at == change.decided_at
        assert decision.comment == f"Approved in {change.key}"
    # The new baseline differs from the old one by exactly the change.
    new_baseline = change.baseline
    assert new_baseline.name == "Contract + CR1"
    old = {i.requirement_id: i.version_id for i in old_baseline.items.all()}
    new = {i.requirement_id: i.version_id for i in new_baseline.items.all()}
    assert set(old) - set(new) == {dropped.pk}
    assert set(new) - set(old) == {added.pk}
    moved = {rid for rid in set(old) & set(new) if old[rid] != new[rid]}
    assert moved == {changed.pk, accepted.pk}
    assert new[untouched.pk] == old[untouched.pk]
    # And everything verifies.
    results = {r.name: r for r in run_checks()}
    assert results["changes"].ok, results["changes"].problems
    assert results["requirements"].ok, results["requirements"].problems
    assert results["audit"].ok, results["audit"].problems
    assert AuditEvent.objects.filter(action="change.applied").count() == 1
    assert AuditEvent.objects.filter(action="requirement.change_applied").count() == 3


def test_apply_without_baseline(personas):
    change = make_change(personas.project, status=Status.IN_IMPLEMENTATION)
    change = services.change_apply(actor=personas.alice, change=change, record_baseline=False)
    assert change.status == Status.IMPLEMENTED and change.baseline is None
    assert not Baseline.objects.filter(project=personas.project).exists()


def _apply_state(change):
    change.refresh_from_db()
    return (
        change.status,
        change.version,
        RequirementVersion.objects.count(),
        ClientDecision.objects.count(),
        Baseline.objects.count(),
        Requirement.objects.count(),
        list(Requirement.objects.order_by("pk").values_list("status", flat=True)),
    )


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_APPROVAL, Status.REJECTED, Status.DRAFT, Status.WITHDRAWN],
)
def test_apply_of_a_request_not_approved_is_refused(personas, status):
    change = make_change(personas.project, status=status)
    before = _apply_state(change)
    with refused("status") as info:
        services.change_apply(actor=personas.alice, change=change)
    assert "Only an approved change request can be applied" in info.value.message
    assert _apply_state(change) == before


def test_second_apply_is_refused_and_applies_nothing(personas):
    change = make_change(personas.project, status=Status.APPROVED)
    stale_copy = ChangeRequest.objects.get(pk=change.pk)
    services.change_apply(actor=personas.alice, change=change)
    before = _apply_state(change)
    with refused("status"):
        services.change_apply(actor=personas.alice, change=stale_copy)
    assert _apply_state(change) == before


def test_apply_by_someone_else_than_the_manager_is_refused(personas):
    change = make_change(personas.project, status=Status.APPROVED)
    before = _apply_state(change)
    for person in (personas.bob, personas.dave, personas.mallory):
        with refused("status"):
            services.change_apply(actor=person, change=change)
    assert _apply_state(change) == before


def test_apply_refused_when_a_requirement_moved_on(personas):
    requirement = confirmed_requirement(personas.project)
    other = confirmed_requirement(personas.project, title="Another")
    change = make_change(
        personas.project,
        status=Status.APPROVED,
        items=[modify_line(other), modify_line(requirement)],
    )
    requirement_services.requirement_update(
        actor=personas.bob, requirement=requirement, data={"title": "Renamed meanwhile"}
    )
    before = _apply_state(change)
    with refused("items") as info:
        services.change_apply(actor=personas.alice, change=change)
    assert requirement.key in info.value.message
    assert _apply_state(change) == before


def test_stale_apply_is_refused(personas):
    change = make_change(personas.project, status=Status.APPROVED)
    before = _apply_state(change)
    with pytest.raises(StaleObjectError):
        services.change_apply(
            actor=personas.alice, change=change, expected_version=change.version + 5
        )
    assert _apply_state(change) == before


def test_verify_finds_a_tampered_request_and_a_stale_approval(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    assert {r.name: r for r in run_checks(["changes"])}["changes"].ok
    ChangeRequest.objects.filter(pk=change.pk).update(reason="Quietly changed")
    problems = run_checks(["changes"])[0].problems
    assert any("does not match its hash" in p for p in problems)
    ChangeRequest.objects.filter(pk=change.pk).update(reason=change.reason, content_hash="f" * 64)
    problems = run_checks(["changes"])[0].problems
    assert any("live decision" in p for p in problems)


def test_back_to_assessment_voids_the_rounds_decisions(personas):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    approval = services.change_decide(
        actor=personas.dave,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    services.change_transition(actor=personas.alice, change=change, transition="back_to_assessment")
    approval.refresh_from_db()
    assert approval.voided_at is not None
    assert "back to assessment" in approval.void_reason
    services.change_transition(actor=personas.alice, change=change, transition="request_approval")
    change.refresh_from_db()
    # dave decides again in the new round.
    assert selectors.decision_options(personas.dave, change) == ApproverSlot.CLIENT


def test_apply_creates_one_task_per_added_or_changed_requirement(personas):
    from accord.delivery.models import Task

    requirement = confirmed_requirement(personas.project)
    dropped = confirmed_requirement(personas.project, title="Fax it")
    change = make_change(
        personas.project,
        status=Status.APPROVED,
        items=[
            modify_line(requirement),
            {"action": "withdraw", "requirement": dropped},
            {"action": "add", "proposed": {"title": "CSV export"}},
        ],
    )
    change = services.change_apply(actor=personas.alice, change=change, create_tasks=True)
    tasks = list(Task.objects.filter(change_requests=change).order_by("number"))
    assert len(tasks) == 2
    linked = {r.title for t in tasks for r in t.requirements.all()}
    assert linked == {requirement.title, "CSV export"}
    assert all(change.key in t.title for t in tasks)
    assert AuditEvent.objects.get(action="change.applied").after["tasks"] == 2


def test_confirmations_name_the_pm_when_the_policy_needs_no_client(personas):
    services.policy_update(
        actor=personas.alice, project=personas.project, data={"client_approvals": 0}
    )
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    assert change.status == Status.APPROVED
    services.change_apply(actor=personas.alice, change=change, record_baseline=False)
    decision = ClientDecision.objects.get(change_request=change)
    assert decision.decided_by == personas.alice


def test_verify_passes_for_a_closed_rejected_request_and_flags_a_lost_result(personas):
    rejected = make_change(personas.project, status=Status.REJECTED)
    services.change_transition(actor=personas.alice, change=rejected, transition="close")
    applied = make_change(personas.project, status=Status.IMPLEMENTED)
    result = run_checks(["changes"])[0]
    assert result.ok, result.problems
    ChangeItem.objects.filter(change_request=applied).update(result_version=None)
    problems = run_checks(["changes"])[0].problems
    assert any("applied without a result version" in p for p in problems)


def test_outcome_is_sent_by_email_to_requester_and_approvers(
    personas, django_capture_on_commit_callbacks
):
    change = make_change(personas.project, status=Status.AWAITING_APPROVAL)
    services.change_decide(
        actor=personas.alice,
        change=change,
        decision=Decision.APPROVED,
        expected_hash=change.content_hash,
    )
    change.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_decide(
            actor=personas.dave,
            change=change,
            decision=Decision.REJECTED,
            comment="Too expensive this year.",
            expected_hash=change.content_hash,
        )
    change.refresh_from_db()
    assert change.status == Status.REJECTED
    mail = OutgoingEmail.objects.get(to="bob@example.com", subject__contains=change.key)
    assert "rejected" in mail.subject
    assert "Too expensive this year." in mail.body
    assert OutgoingEmail.objects.filter(to="alice@example.com", subject__contains="rejected")
