"""The demo workspace: realistic, complete, idempotent, and its history verifies."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from accord.accounts.models import User
from accord.changes.choices import Status as ChangeStatus
from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest
from accord.core.audit import verify_audit_chains
from accord.core.choices import Visibility
from accord.core.demo import (
    DEMO_PASSWORD,
    PM,
    USERS,
    DemoReport,
    _build_project,
    _ensure_users,
    _projects,
    demo_load,
)
from accord.core.integrity import run_checks
from accord.core.models import AuditEvent
from accord.delivery.models import ChecklistItem, Task, TimeEntry, WipLimit
from accord.notifications.models import Notification
from accord.projects.choices import InvitationStatus, MilestoneStatus, Role
from accord.projects.models import Invitation, Membership, Milestone, Project
from accord.projects.tests.factories import ProjectFactory
from accord.requirements import selectors
from accord.requirements.choices import (
    CriterionStyle,
    LinkKind,
    Priority,
    QualityAttribute,
    RequirementType,
    Status,
)
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    BaselineItem,
    ClientDecision,
    Comment,
    Requirement,
    RequirementLink,
    RequirementVersion,
    Submission,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in [
            User,
            Project,
            Membership,
            Milestone,
            Invitation,
            AuditEvent,
            Requirement,
            RequirementVersion,
            AcceptanceCriterion,
            ClientDecision,
            Submission,
            Baseline,
            Comment,
            RequirementLink,
            Notification,
            Task,
            TimeEntry,
            ChecklistItem,
            WipLimit,
            ChangeRequest,
            ChangeItem,
            ChangeApproval,
        ]
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
    assert first.requirements == ["HZYB", "ACME"]
    assert first.tasks == ["HZYB", "ACME"]
    assert first.changes == ["HZYB", "ACME"]
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


# Requirements ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["HZYB", "ACME"])
def test_each_project_has_a_realistic_requirement_set_in_every_state(key) -> None:
    demo_load()

    reqs = Requirement.objects.filter(project__key=key)
    assert 20 <= reqs.count() <= 30
    assert set(reqs.values_list("status", flat=True)) == set(Status.values)
    assert set(reqs.values_list("type", flat=True)) == set(RequirementType.values)
    assert set(reqs.values_list("priority", flat=True)) == set(Priority.values)
    assert {
        QualityAttribute.PERFORMANCE,
        QualityAttribute.SECURITY,
        QualityAttribute.USABILITY,
        QualityAttribute.RELIABILITY,
        QualityAttribute.COMPATIBILITY,
    } <= set(
        reqs.filter(type=RequirementType.NON_FUNCTIONAL).values_list("quality_attribute", flat=True)
    )
    assert len(set(reqs.values_list("source", flat=True))) >= 5
    assert not reqs.filter(source_stakeholder="").exists()
    # epic -> requirement -> detail
    assert reqs.filter(parent__parent__isnull=False, parent__parent__type=RequirementType.BUSINESS)
    assert reqs.filter(tags__isnull=False).distinct().count() >= 20
    assert not reqs.filter(criteria__isnull=True).exists()
    criteria = AcceptanceCriterion.objects.filter(requirement__project__key=key)
    assert criteria.filter(style=CriterionStyle.GHERKIN).exists()
    verified = criteria.filter(verified=True)
    assert verified.exists()
    assert not verified.filter(verified_by__isnull=True).exists()
    links = RequirementLink.objects.filter(project__key=key)
    assert set(links.values_list("kind", flat=True)) == set(LinkKind.values)
    # Drafts and internal review stay internal; what the client sees is shared.
    assert set(
        reqs.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]).values_list(
            "visibility", flat=True
        )
    ) == {Visibility.INTERNAL}


def test_the_chinese_project_speaks_the_vocabulary_of_a_medical_insurance_system() -> None:
    demo_load()

    titles = " ".join(
        Requirement.objects.filter(project__key="HZYB").values_list("title", flat=True)
    )
    for word in ["异地就医", "结算", "对账", "省医保"]:
        assert word in titles
    performance = Requirement.objects.get(
        project__key="HZYB", quality_attribute=QualityAttribute.PERFORMANCE
    )
    assert "2 秒" in performance.title
    assert "赵磊" in performance.source_stakeholder


@pytest.mark.parametrize(
    ("key", "approver", "pm_handle"),
    [
        ("HZYB", "zhao.lei@hz-medical.demo", "@zhao.lei"),
        ("ACME", "sarah.miller@acme-logistics.demo", "@sarah.miller"),
    ],
)
def test_the_client_loop_is_played_through_to_a_baseline_and_a_later_change(
    key, approver, pm_handle
) -> None:
    demo_load()
    project = Project.objects.get(key=key)
    client = User.objects.get(email=approver)

    # Something awaits the client approver, among it a requirement returned with a comment,
    # edited into a second version and submitted again.
    awaiting = list(selectors.awaiting_client(user=client, project=project))
    assert len(awaiting) >= 2
    reworked = [r for r in awaiting if r.current_version.number == 2]
    assert len(reworked) == 1
    reworked = reworked[0]
    returned = ClientDecision.objects.get(requirement=reworked, decision="returned")
    assert returned.decided_by == client
    assert returned.comment
    assert returned.version.number == 1
    v1, v2 = reworked.versions.order_by("number")
    assert v1.content["description"] != v2.content["description"]
    assert v2.note
    assert Notification.objects.filter(recipient=client, kind="requirement.submitted").exists()

    # Confirmations carry the exact version and hash.
    confirmations = ClientDecision.objects.filter(
        requirement__project=project, decision="confirmed"
    )
    assert confirmations.count() >= 8
    for decision in confirmations:
        assert decision.content_hash == decision.version.content_hash

    # A baseline froze the confirmed versions; one requirement was changed afterwards.
    baseline = Baseline.objects.get(project=project, number=1)
    changed = Requirement.objects.get(project=project, changed_since_confirmation=True)
    assert changed.status == Status.CONFIRMED
    assert changed.current_version.number == 2
    frozen = BaselineItem.objects.get(baseline=baseline, requirement=changed)
    assert frozen.version == changed.confirmed_version
    assert frozen.version != changed.current_version
    assert changed in selectors.changed_since_confirmation(user=client, project=project)

    # Discussion: internal and shared comments, with @mentions that notified.
    comments = Comment.objects.filter(project=project)
    assert {Visibility.INTERNAL, Visibility.SHARED} <= set(
        comments.values_list("visibility", flat=True)
    )
    client_domain = "@" + approver.split("@")[1]
    # The client writes too (shared only).
    assert set(
        comments.filter(author__email__endswith=client_domain).values_list("visibility", flat=True)
    ) == {Visibility.SHARED}
    mention = comments.get(body__startswith=pm_handle)
    assert mention.visibility == Visibility.SHARED
    assert Notification.objects.filter(recipient=client, kind="comment.mention").exists()
    internal_mention = comments.filter(visibility=Visibility.INTERNAL, body__startswith="@").get()
    assert (
        Notification.objects.filter(
            kind="comment.mention", url__endswith=f"#comment-{internal_mention.pk}"
        )
        .exclude(recipient__email__endswith=client_domain)
        .exists()
    )

    # Every step is in the audit history.
    actions = set(AuditEvent.objects.filter(project=project).values_list("action", flat=True))
    assert {
        "requirement.created",
        "requirement.submitted",
        "requirement.confirmed",
        "requirement.returned",
        "requirement.rejected",
        "requirement.accept",
        "requirement.withdraw",
        "requirement.updated",
        "baseline.created",
        "comment.created",
        "requirement.linked",
    } <= actions


def test_clients_see_no_draft_and_no_internal_comment() -> None:
    demo_load()
    project = Project.objects.get(key="HZYB")
    client = User.objects.get(email="sun.li@hz-medical.demo")

    visible = selectors.requirement_list(user=client, project=project)
    assert not visible.filter(status__in=[Status.DRAFT, Status.IN_REVIEW]).exists()
    assert visible.filter(status=Status.CONFIRMED).exists()
    performance = Requirement.objects.get(
        project=project, quality_attribute=QualityAttribute.PERFORMANCE
    )
    assert not selectors.comment_list(user=client, requirement=performance).exists()


def test_every_integrity_check_passes_after_loading() -> None:
    demo_load()

    results = run_checks()
    assert {r.name for r in results} >= {"audit", "requirements"}
    assert all(r.ok for r in results), [r.problems for r in results]
    requirements = next(r for r in results if r.name == "requirements")
    # The pilot baselines, and one more per project recorded when a change was applied.
    assert "4 baseline(s)" in requirements.summary
    changes = next(r for r in results if r.name == "changes")
    assert "14 change request(s)" in changes.summary


def test_a_demo_project_loaded_before_requirements_gets_them_once() -> None:
    users = _ensure_users(DemoReport())
    for spec in _projects(dt.date(2026, 5, 1)):
        _build_project(spec, users)
    assert not Requirement.objects.exists()

    report = demo_load()

    assert report.projects == []
    assert report.requirements == ["HZYB", "ACME"]
    assert Requirement.objects.filter(project__key="ACME").count() >= 20
    assert not demo_load().changed


def test_each_project_has_a_risk_register_with_history() -> None:
    from accord.risks import selectors as risk_selectors
    from accord.risks.choices import Category, RiskStatus
    from accord.risks.models import ResponseAction, Risk, RiskReview

    report = demo_load()
    assert report.risks == ["HZYB", "ACME"]
    for key in ["HZYB", "ACME"]:
        project = Project.objects.get(key=key)
        register = Risk.objects.filter(project=project)
        assert 7 <= register.count() <= 10
        assert len(set(register.values_list("category", flat=True))) >= 5
        assert len(set(register.values_list("probability", "impact"))) >= 6
        assert {RiskStatus.CLOSED, RiskStatus.OCCURRED, RiskStatus.OPEN} <= set(
            register.values_list("status", flat=True)
        )
        assert register.filter(visibility=Visibility.SHARED).count() >= 3
        assert register.filter(visibility=Visibility.INTERNAL).count() >= 2
        assert not register.filter(owner__isnull=True).exists()
        # A score that changed over time: more than one review, with different scores.
        moved = [
            risk
            for risk in register
            if len(set(RiskReview.objects.filter(risk=risk).values_list("score", flat=True))) > 1
        ]
        assert moved
        overdue = [a for a in ResponseAction.objects.filter(risk__project=project) if a.is_overdue]
        assert len(overdue) >= 1
        assert ResponseAction.objects.filter(risk__project=project, done_at__isnull=False).exists()
        # Clients see the shared part of the register only, heat map included.
        client = Membership.objects.filter(project=project, role=Role.CLIENT).first().user
        shared = register.filter(visibility=Visibility.SHARED).count()
        assert risk_selectors.risk_list(client, project).count() == shared
        cells = risk_selectors.heat_map(client, project, status=None)
        assert sum(cell["count"] for row in cells for cell in row) == shared
    hzyb = Risk.objects.filter(project__key="HZYB")
    assert hzyb.filter(title__contains="省医保").exists()
    assert hzyb.filter(category=Category.SCHEDULE).exists()
    assert Risk.objects.filter(project__key="ACME", title="Data migration slips again").exists()
    assert AuditEvent.objects.filter(project__key="ACME", action="risk.reviewed").exists()
    assert list(verify_audit_chains()) == []
    # Loading again adds nothing.
    before = Risk.objects.count(), RiskReview.objects.count(), ResponseAction.objects.count()
    assert not demo_load().risks
    assert (
        Risk.objects.count(),
        RiskReview.objects.count(),
        ResponseAction.objects.count(),
    ) == before


# Delivery -------------------------------------------------------------------------------------

# (project, the person the workload shows overloaded, an agreed requirement without a task)
BOARDS = [
    ("HZYB", "wang.wei@demo.accord", "医院日对账"),
    ("ACME", None, "99.5% availability in business hours"),
]


def test_each_project_has_a_board_traced_to_its_requirements() -> None:
    from accord.delivery.progress import burnup, milestone_progress
    from accord.delivery.workload import workload
    from accord.requirements.choices import AGREED_STATES

    demo_load()
    for key, overloaded, gap in BOARDS:
        project = Project.objects.get(key=key)
        tasks = Task.objects.filter(project=project)
        # Planned by the team (the change applied later adds its own tasks, unassigned).
        planned = tasks.filter(change_requests__isnull=True)
        assert 10 <= planned.count() <= 16
        assert not planned.filter(assignee=None).exists()
        assert not planned.filter(milestone=None).exists()
        # Every column of the board holds work; the blocked task says why.
        assert set(tasks.values_list("status", flat=True)) == {
            "todo",
            "in_progress",
            "in_review",
            "blocked",
            "done",
        }
        assert tasks.get(status="blocked").blocked_reason
        assert not tasks.filter(status="done", done_at=None).exists()
        # Traced to requirements; some agreed requirements have no task (coverage gaps).
        assert not tasks.filter(requirements__isnull=True, response_action__isnull=True).exists()
        agreed = Requirement.objects.filter(project=project, status__in=AGREED_STATES)
        gaps = agreed.filter(tasks__isnull=True)
        assert gaps.filter(title=gap).exists()
        assert agreed.filter(tasks__isnull=False).distinct().count() > gaps.count()
        # Checklists partly ticked, time logged by several people over the last weeks.
        items = ChecklistItem.objects.filter(task__project=project)
        assert items.filter(done=True).exists()
        assert items.filter(done=False).exists()
        entries = TimeEntry.objects.filter(task__project=project)
        assert entries.values("user").distinct().count() >= 2
        assert entries.filter(date__lte=dt.date.today() - dt.timedelta(days=7)).exists()
        for task in tasks:
            assert task.spent_hours == sum((e.hours for e in task.time_entries.all()), 0)
        # WIP limits on the board; ACME's "in progress" column is over its limit.
        limits = dict(WipLimit.objects.filter(project=project).values_list("status", "limit"))
        assert set(limits) == {"in_progress", "in_review"}
        if key == "ACME":
            assert tasks.filter(status="in_progress").count() > limits["in_progress"]
        # A task made from a risk's response action.
        from_action = tasks.get(response_action__isnull=False)
        assert from_action.response_action.risk.project == project
        assert from_action.title == from_action.response_action.description
        # Progress and the burn-up come from the tasks and their audit history.
        milestones = list(Milestone.objects.filter(project=project))
        progress = milestone_progress(milestones)
        assert (
            sum(p.done for p in progress.values())
            == tasks.filter(status="done", milestone__isnull=False).count()
        )
        busiest = max(milestones, key=lambda m: progress[m.pk].total if m.pk in progress else 0)
        points = burnup(busiest).points
        assert points[-1].scope == tasks.filter(milestone=busiest).count()
        assert 0 < points[-1].done < points[-1].scope
        assert AuditEvent.objects.filter(project=project, action="task.moved").count() >= 10
        assert AuditEvent.objects.filter(project=project, action="time.logged").exists()
        # The workload shows the overloaded person against their lowered capacity.
        if overloaded:
            load = workload(project)
            assert [p.user.email for p in load.overloaded] == [overloaded]
            person = load.overloaded[0]
            assert person.capacity == 32
            assert max(w.hours for w in person.weeks) > 32
    # The Chinese board speaks the project's language and works on a recorded problem.
    titles = " ".join(Task.objects.filter(project__key="HZYB").values_list("title", flat=True))
    for word in ["联调", "冲正", "报文", "压测"]:
        assert word in titles
    blocked = Task.objects.get(project__key="HZYB", status="blocked")
    assert "测试环境" in blocked.blocked_reason
    assert blocked.problems.get().title == "省医保测试环境停机三天，联调中断"


# Change requests ------------------------------------------------------------------------------

# (project, client approver, client member without signing authority)
CHANGE_PROJECTS = [
    ("HZYB", "zhao.lei@hz-medical.demo", "sun.li@hz-medical.demo"),
    ("ACME", "sarah.miller@acme-logistics.demo", "james.wong@acme-logistics.demo"),
]


def test_each_project_has_change_requests_in_every_kind_of_state() -> None:
    from accord.changes import selectors as change_selectors
    from accord.changes.hashing import change_hash
    from accord.delivery import selectors as delivery_selectors

    demo_load()
    for key, approver, client_member in CHANGE_PROJECTS:
        project = Project.objects.get(key=key)
        crs = ChangeRequest.objects.filter(project=project)
        assert crs.count() == 7
        by_status: dict[str, list[ChangeRequest]] = {}
        for change in crs:
            by_status.setdefault(change.status, []).append(change)
            assert change.content_hash == change_hash(change)
            assert change.items.exists()
        assert set(by_status) == {
            ChangeStatus.DRAFT,
            ChangeStatus.SUBMITTED,
            ChangeStatus.UNDER_ASSESSMENT,
            ChangeStatus.AWAITING_APPROVAL,
            ChangeStatus.IMPLEMENTED,
            ChangeStatus.REJECTED,
        }
        # The team's draft is internal; everything else is shared with the client.
        (draft,) = by_status[ChangeStatus.DRAFT]
        assert draft.visibility == Visibility.INTERNAL
        assert Membership.objects.get(project=project, user=draft.requested_by).role == "member"
        assert set(crs.exclude(pk=draft.pk).values_list("visibility", flat=True)) == {"shared"}
        # Raised and submitted by the client approver; clients without authority raise too.
        (submitted,) = by_status[ChangeStatus.SUBMITTED]
        assert submitted.requested_by.email == approver
        assert submitted.submitted_at is not None
        assert crs.filter(requested_by__email=client_member).exists()
        # Under assessment: effort, cost, schedule shift and a new risk, on requirements with
        # tasks (the impact's work to change).
        (assessing,) = by_status[ChangeStatus.UNDER_ASSESSMENT]
        assert assessing.effort_days and assessing.cost and assessing.cost_currency
        assert assessing.schedule_impacts.filter(shift_days__gt=0).exists()
        assert assessing.new_risks.exists()
        assert assessing.items.filter(requirement__tasks__isnull=False).exists()
        # Awaiting approval: one with the PM's live approval on the current hash and the
        # client's decision pending; one whose client approval a later edit voided.
        awaiting = by_status[ChangeStatus.AWAITING_APPROVAL]
        assert len(awaiting) == 2
        pm_approved = next(c for c in awaiting if c.approvals.filter(voided_at=None).exists())
        live = pm_approved.approvals.get()
        assert live.approver.email == PM.email
        assert live.decision == "approved"
        assert (live.content_hash, live.revision) == (
            pm_approved.content_hash,
            pm_approved.revision,
        )
        voided_change = next(c for c in awaiting if c is not pm_approved)
        voided = voided_change.approvals.get()
        assert voided.approver.email == approver
        assert voided.voided_at is not None
        assert "edited after this decision" in voided.void_reason
        assert voided.revision == voided_change.revision - 1
        assert voided.content_hash != voided_change.content_hash
        # Rejected, with the reason on record.
        (rejected,) = by_status[ChangeStatus.REJECTED]
        assert rejected.approvals.get(decision="rejected", voided_at=None).comment
        # Applied: a new version confirmed by the change, a new requirement, tasks for the
        # work, and a new baseline that holds them.
        (applied,) = by_status[ChangeStatus.IMPLEMENTED]
        assert applied.approvals.filter(voided_at=None, decision="approved").count() == 2
        modified = applied.items.get(action="modify")
        version = modified.result_version
        assert version.number == modified.base_version.number + 1
        assert version.requirement.confirmed_version == version
        confirmation = ClientDecision.objects.get(version=version, change_request=applied)
        assert confirmation.decision == "confirmed"
        assert confirmation.decided_by.email == approver
        assert confirmation.content_hash == version.content_hash
        added = applied.items.get(action="add").result_requirement
        assert added.source_reference == applied.key
        assert added.status == Status.CONFIRMED
        assert applied.tasks.count() == 2
        frozen = BaselineItem.objects.filter(baseline=applied.baseline)
        assert frozen.filter(version=version).exists()
        assert frozen.filter(requirement=added).exists()
        actions = set(AuditEvent.objects.filter(project=project).values_list("action", flat=True))
        assert {
            "change.created",
            "change.updated",
            "change.approved_by",
            "change.rejected_by",
            "change.applied",
        } <= actions
        # Clients see the shared requests and no task.
        client = User.objects.get(email=client_member)
        visible = change_selectors.change_list(client, project)
        assert visible.count() == 6
        assert not visible.filter(status=ChangeStatus.DRAFT).exists()
        assert not delivery_selectors.task_list(client, project).exists()
