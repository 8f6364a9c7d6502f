"""Every write to requirements: validated, versioned, hashed, audited, and notified.

Material edits make a new immutable version; the workflow table decides every status change;
client decisions are bound to the exact version and hash the client read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, chain_head_hash, changes, snapshot
from accord.core.choices import Visibility
from accord.core.edits import apply_fields, check_version, user_or_none, validate_model
from accord.core.exceptions import ApplicationError
from accord.core.keys import assign_number
from accord.core.signoffs import AUDIT_KEY, signoff_ref
from accord.notifications.mentions import parse_mentions
from accord.notifications.services import notify
from accord.projects.choices import INTERNAL_ROLES, Role
from accord.projects.models import Membership, Project
from accord.projects.policies import can_manage_project
from accord.requirements import policies
from accord.requirements.choices import (
    CLIENT_VISIBLE_STATES,
    CriterionStyle,
    Decision,
    LinkKind,
    RequirementType,
    Status,
    Transition,
)
from accord.requirements.hashing import (
    CONTENT_FIELDS,
    baseline_hash,
    content_hash,
    requirement_content,
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
    SubmissionItem,
    Tag,
)
from accord.requirements.selectors import agreed_scope
from accord.requirements.workflow import check_transition

PLANNING_FIELDS = ("business_value", "effort_days", "parent")
EDITABLE_FIELDS = (*CONTENT_FIELDS, *PLANNING_FIELDS)
AUDIT_FIELDS = (*EDITABLE_FIELDS, "status", "visibility")
# Transitions with their own service, because they record a client decision or a submission.
DEDICATED = {
    Transition.SUBMIT: "requirements_submit",
    Transition.CONFIRM: "requirement_confirm",
    Transition.RETURN: "requirement_return",
    Transition.REJECT: "requirement_reject",
}
MAX_DEPTH = 20
TAG_MAX = 40


def _refuse(message: str, field: str | None = None) -> None:
    raise ApplicationError(message, field=field)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        _refuse(message or _("You are not allowed to do this in this project."))


def _locked(requirement: Requirement) -> Requirement:
    return (
        Requirement.objects.select_for_update(of=("self",))
        .select_related("project", "current_version", "confirmed_version")
        .get(pk=requirement.pk)
    )


# Validation ----------------------------------------------------------------------------------


def _clean_criteria(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for index, item in enumerate(items, start=1):
        style = item.get("style") or CriterionStyle.FREE
        if style not in CriterionStyle.values:
            _refuse(
                _("Acceptance criterion %(n)s has an unknown style.") % {"n": index}, "criteria"
            )
        entry = {
            "id": item.get("id"),
            "style": style,
            "text": (item.get("text") or "").strip(),
            "given": (item.get("given") or "").strip(),
            "when": (item.get("when") or "").strip(),
            "then": (item.get("then") or "").strip(),
        }
        if style == CriterionStyle.FREE and not entry["text"]:
            _refuse(_("Acceptance criterion %(n)s is empty.") % {"n": index}, "criteria")
        if style == CriterionStyle.GHERKIN and not (
            entry["given"] and entry["when"] and entry["then"]
        ):
            _refuse(
                _("Acceptance criterion %(n)s needs all of Given, When and Then.") % {"n": index},
                "criteria",
            )
        cleaned.append(entry)
    return cleaned


def _clean_tags(names: Iterable[str]) -> list[str]:
    result: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > TAG_MAX:
            _refuse(
                _("A tag can have at most %(n)s characters: “%(tag)s”.")
                % {"n": TAG_MAX, "tag": name[:60]},
                "tags",
            )
        result.setdefault(name.casefold(), name)
    return list(result.values())


def _check_fields(requirement: Requirement) -> None:
    requirement.title = (requirement.title or "").strip()
    if not requirement.title:
        _refuse(_("Give the requirement a title."), "title")
    if requirement.quality_attribute and requirement.type != RequirementType.NON_FUNCTIONAL:
        _refuse(
            _("A quality attribute applies only to non-functional requirements."),
            "quality_attribute",
        )
    validate_model(
        requirement,
        exclude=["project", "number", "parent", "tags", "current_version", "confirmed_version"],
    )


def _check_parent(requirement: Requirement, parent: Requirement | None) -> None:
    """Same project, and no cycle: walking up from the parent never meets the requirement."""
    if parent is None:
        return
    if parent.project_id != requirement.project_id:
        _refuse(_("Choose a requirement of this project as the parent."), "parent")
    if requirement.pk is None:
        return
    node_id: int | None = parent.pk
    for _step in range(MAX_DEPTH):
        if node_id is None:
            return
        if node_id == requirement.pk:
            _refuse(
                _("%(parent)s is below %(key)s in the hierarchy; it cannot be its parent.")
                % {"parent": parent.key, "key": requirement.key},
                "parent",
            )
        node_id = Requirement.objects.filter(pk=node_id).values_list("parent_id", flat=True)[0]
    _refuse(_("The hierarchy is too deep (at most %(n)s levels).") % {"n": MAX_DEPTH}, "parent")


# Versions, criteria, tags --------------------------------------------------------------------


def _write_criteria(requirement: Requirement, items: list[dict[str, Any]]) -> None:
    """Replace the criteria by `items`, in order. A criterion whose wording is unchanged keeps
    its verification; a reworded one must be verified again."""
    existing = {c.pk: c for c in requirement.criteria.all()}
    keep: set[int] = set()
    for position, item in enumerate(items, start=1):
        criterion = existing.get(item["id"]) if item["id"] else None
        if criterion is None:
            criterion = AcceptanceCriterion(requirement=requirement)
        wording = (item["style"], item["text"], item["given"], item["when"], item["then"])
        old = (criterion.style, criterion.text, criterion.given, criterion.when, criterion.then)
        if criterion.pk and wording != old:
            criterion.verified, criterion.verified_by, criterion.verified_at = False, None, None
            criterion.verification_note = ""
        criterion.position = position
        criterion.style, criterion.text, criterion.given, criterion.when, criterion.then = wording
        criterion.save()
        keep.add(criterion.pk)
    requirement.criteria.exclude(pk__in=keep).delete()


def _tags_named(project_id: int, names: list[str]) -> list[Tag]:
    """The project's tags with these names (matched regardless of case), created if new."""
    tags = []
    for name in names:
        tag = Tag.objects.filter(project_id=project_id, name__iexact=name).first()
        tags.append(tag or Tag.objects.create(project_id=project_id, name=name))
    return tags


def _set_tags(requirement: Requirement, tags: list[Tag]) -> tuple[list[str], list[str]]:
    before = sorted(requirement.tags.values_list("name", flat=True))
    requirement.tags.set(tags)
    return before, sorted(tag.name for tag in tags)


def _new_version(requirement: Requirement, *, actor: Any, note: str) -> RequirementVersion | None:
    """Record a version when the material content differs from the current one."""
    content = requirement_content(requirement, requirement.criteria.order_by("position"))
    digest = content_hash(content)
    current = requirement.current_version
    if current is not None and current.content_hash == digest:
        return None
    version = RequirementVersion.objects.create(
        requirement=requirement,
        number=(current.number + 1) if current else 1,
        content=content,
        content_hash=digest,
        author=user_or_none(actor),
        note=note.strip()[:300],
        client_visible=requirement.visibility == Visibility.SHARED,
    )
    requirement.current_version = version
    if requirement.confirmed_version_id:
        # Reverting to the confirmed wording clears the mark again.
        requirement.changed_since_confirmation = (
            requirement.confirmed_version.content_hash != digest
        )
    return version


def _version_info(requirement: Requirement) -> dict[str, Any]:
    version = requirement.current_version
    return {"version_number": version.number, "content_hash": version.content_hash}


# Requirements --------------------------------------------------------------------------------


@transaction.atomic
def requirement_create(
    *,
    actor: Any,
    project: Project,
    criteria: list[dict[str, Any]] | None = None,
    tags: list[str] | None = None,
    note: str = "",
    **fields: Any,
) -> Requirement:
    _require(policies.can_edit_requirements(actor, project))
    requirement = Requirement(project=project)
    apply_fields(requirement, fields, EDITABLE_FIELDS)
    _check_fields(requirement)
    _check_parent(requirement, requirement.parent)
    cleaned_criteria = _clean_criteria(criteria or [])
    tag_names = _clean_tags(tags or [])
    assign_number(requirement)
    requirement.save()
    _write_criteria(requirement, cleaned_criteria)
    if tag_names:
        _set_tags(requirement, _tags_named(project.pk, tag_names))
    _new_version(requirement, actor=actor, note=note)
    requirement.save(update_fields=["current_version"])
    after = snapshot(requirement, AUDIT_FIELDS)
    after.update(_version_info(requirement), tags=tag_names, criteria=len(cleaned_criteria))
    audit_record(actor=actor, action="requirement.created", target=requirement, after=after)
    return requirement


@transaction.atomic
def requirement_update(
    *,
    actor: Any,
    requirement: Requirement,
    data: dict[str, Any],
    criteria: list[dict[str, Any]] | None = None,
    tags: list[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Requirement:
    requirement = _locked(requirement)
    _require(policies.can_edit_requirements(actor, requirement.project))
    check_version(requirement, expected_version)
    if requirement.status == Status.ACCEPTED:
        _refuse(_("The client has accepted this requirement; change it through a change request."))
    before = snapshot(requirement, AUDIT_FIELDS)
    before_version = _version_info(requirement)
    apply_fields(requirement, data, EDITABLE_FIELDS)
    _check_fields(requirement)
    if "parent" in data:
        _check_parent(requirement, requirement.parent)
    if criteria is not None:
        _write_criteria(requirement, _clean_criteria(criteria))
    tag_change = None
    if tags is not None:
        names = _clean_tags(tags)
        old_tags, new_tags = _set_tags(requirement, _tags_named(requirement.project_id, names))
        if old_tags != new_tags:
            tag_change = (old_tags, new_tags)
    version = _new_version(requirement, actor=actor, note=note)
    old, new = changes(before, snapshot(requirement, AUDIT_FIELDS))
    if version is not None:
        old.update(before_version)
        new.update(_version_info(requirement))
        if requirement.changed_since_confirmation:
            new["changed_since_confirmation"] = True
    if tag_change:
        old["tags"], new["tags"] = tag_change
    if not new and criteria is None:
        return requirement
    requirement.version += 1
    requirement.save()
    audit_record(
        actor=actor, action="requirement.updated", target=requirement, before=old, after=new
    )
    return requirement


def _visibility_after(requirement: Requirement, new_status: str) -> str:
    """Visibility follows status: shared from submission on, internal again as a draft or in
    internal review; a withdrawn requirement keeps what it had."""
    if new_status in CLIENT_VISIBLE_STATES:
        return Visibility.SHARED
    if new_status == Status.WITHDRAWN:
        return requirement.visibility
    return Visibility.INTERNAL


def _move(requirement: Requirement, new_status: str) -> dict[str, Any]:
    before = {"status": requirement.status, "visibility": requirement.visibility}
    requirement.status = new_status
    requirement.visibility = _visibility_after(requirement, new_status)
    if (
        requirement.visibility == Visibility.SHARED
        and not requirement.current_version.client_visible
    ):
        RequirementVersion.objects.filter(pk=requirement.current_version_id).update(
            client_visible=True
        )
        requirement.current_version.client_visible = True
    requirement.version += 1
    requirement.save()
    return before


@transaction.atomic
def requirement_transition(
    *,
    actor: Any,
    requirement: Requirement,
    transition: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Requirement:
    """Any workflow step except submit, confirm, return and reject (they have their own)."""
    if transition in DEDICATED:
        _refuse(
            _("“%(transition)s” is done from its own page, not as a plain step.")
            % {"transition": Transition(transition).label},
            "transition",
        )
    requirement = _locked(requirement)
    check_version(requirement, expected_version)
    new_status = check_transition(actor, requirement, transition)
    before = _move(requirement, new_status)
    after = {"status": requirement.status, "visibility": requirement.visibility}
    if comment.strip():
        after["comment"] = comment.strip()
    if transition == Transition.ACCEPT:
        made = _decide(requirement, actor=actor, decision=Decision.ACCEPTED, comment=comment)
        after.update(_version_info(requirement))
        after[AUDIT_KEY] = signoff_ref(made)
    audit_record(
        actor=actor,
        action=f"requirement.{transition}",
        target=requirement,
        before=before,
        after=after,
    )
    return requirement


# Client review -------------------------------------------------------------------------------


def _approvers(project: Project) -> list[Any]:
    memberships = Membership.objects.filter(
        project=project, role=Role.CLIENT, can_approve=True, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships]


def _managers(project: Project) -> list[Any]:
    memberships = Membership.objects.filter(
        project=project, role=Role.MANAGER, user__is_active=True
    ).select_related("user")
    return [m.user for m in memberships]


def _locked_many(project: Project, requirements: list[Requirement]) -> list[Requirement]:
    if not requirements:
        _refuse(_("Select at least one requirement."), "requirements")
    ids = {r.pk for r in requirements}
    locked = list(
        Requirement.objects.select_for_update(of=("self",))
        .select_related("project", "current_version", "confirmed_version")
        .filter(pk__in=ids, project=project)
        .order_by("number")
    )
    if len(locked) != len(ids):
        _refuse(_("Choose requirements of this project only."), "requirements")
    return locked


@transaction.atomic
def requirements_submit(
    *, actor: Any, project: Project, requirements: list[Requirement], message: str = ""
) -> Submission:
    """Put requirements before the client approvers, all or none."""
    locked = _locked_many(project, requirements)
    for requirement in locked:
        try:
            check_transition(actor, requirement, Transition.SUBMIT)
        except ApplicationError as exc:
            _refuse(f"{requirement.key}: {exc.message}", "requirements")
    submission = Submission.objects.create(
        project=project, submitted_by=actor, message=message.strip()
    )
    for requirement in locked:
        before = _move(requirement, Status.SUBMITTED)
        SubmissionItem.objects.create(
            submission=submission,
            requirement=requirement,
            version_id=requirement.current_version_id,
        )
        after = {"status": requirement.status, "visibility": requirement.visibility}
        after.update(_version_info(requirement), submission_id=submission.pk)
        audit_record(
            actor=actor,
            action="requirement.submitted",
            target=requirement,
            before=before,
            after=after,
        )
    review_url = reverse("requirements:review", kwargs={"key": project.key})
    count = len(locked)
    notify(
        recipients=_approvers(project),
        kind="requirement.submitted",
        project=project,
        actor=actor,
        url=review_url,
        title=lambda: (
            _("%(project)s: %(count)s requirement(s) await your confirmation")
            % {"project": project.key, "count": count}
        ),
        body=lambda: submission.message,
        email_template="requirements/email/submitted",
        email_context={
            "project": project,
            "submission": submission,
            "requirements": locked,
            "path": review_url,
        },
    )
    return submission


def _check_hash(requirement: Requirement, expected_hash: str | None) -> None:
    if expected_hash and expected_hash != requirement.current_version.content_hash:
        _refuse(
            _(
                "%(key)s changed since you opened it. Read the new version "
                "(%(version)s), then decide again."
            )
            % {"key": requirement.key, "version": f"v{requirement.current_version.number}"},
            "expected_hash",
        )


def _latest_submission(requirement: Requirement) -> Submission | None:
    item = (
        SubmissionItem.objects.filter(
            requirement=requirement, version_id=requirement.current_version_id
        )
        .select_related("submission")
        .order_by("-submission_id")
        .first()
    )
    return item.submission if item else None


def _decide(requirement: Requirement, *, actor: Any, decision: str, comment: str) -> ClientDecision:
    """Record and seal a client decision; the caller's audit record names it (signoff_ref)."""
    made = ClientDecision.objects.create(
        requirement=requirement,
        version_id=requirement.current_version_id,
        content_hash=requirement.current_version.content_hash,
        decision=decision,
        decided_by=actor,
        decided_at=timezone.now(),
        comment=comment.strip(),
        submission=_latest_submission(requirement),
    )
    made.seal()
    return made


def _record_decision(
    requirement: Requirement,
    *,
    actor: Any,
    transition: str,
    decision: str,
    comment: str,
    expected_hash: str | None,
) -> ClientDecision:
    new_status = check_transition(actor, requirement, transition)
    _check_hash(requirement, expected_hash)
    if decision != Decision.CONFIRMED and not comment.strip():
        _refuse(_("Tell the team what needs to change: a comment is required."), "comment")
    made = _decide(requirement, actor=actor, decision=decision, comment=comment)
    if decision == Decision.CONFIRMED:
        requirement.confirmed_version = requirement.current_version
        requirement.changed_since_confirmation = False
    before = _move(requirement, new_status)
    after = {
        "status": requirement.status,
        "visibility": requirement.visibility,
        "decision_id": made.pk,
        **_version_info(requirement),
        AUDIT_KEY: signoff_ref(made),
    }
    if made.comment:
        after["comment"] = made.comment
    audit_record(
        actor=actor,
        action=f"requirement.{decision}",
        target=requirement,
        before=before,
        after=after,
    )
    return made


def _notify_team(project: Project, requirement: Requirement, made: ClientDecision) -> None:
    recipients = {u.pk: u for u in _managers(project)}
    if made.submission and made.submission.submitted_by:
        recipients.setdefault(made.submission.submitted_by_id, made.submission.submitted_by)
    labels = {
        Decision.CONFIRMED: lambda: _("%(key)s was confirmed by the client"),
        Decision.RETURNED: lambda: _("%(key)s was returned by the client with comments"),
        Decision.REJECTED: lambda: _("%(key)s was rejected by the client"),
    }
    label = labels[made.decision]
    notify(
        recipients=list(recipients.values()),
        kind=f"requirement.{made.decision}",
        project=project,
        actor=made.decided_by,
        url=requirement.get_absolute_url(),
        title=lambda: label() % {"key": requirement.key},
        body=made.comment,
        email_template="requirements/email/decided",
        # The chain head after this decision, for the e-mail's outside anchor.
        email_context={"audit_head": chain_head_hash(project.pk)},
    )


def _client_decision(
    *,
    actor: Any,
    requirement: Requirement,
    transition: str,
    decision: str,
    comment: str,
    expected_hash: str | None,
) -> ClientDecision:
    requirement = _locked(requirement)
    made = _record_decision(
        requirement,
        actor=actor,
        transition=transition,
        decision=decision,
        comment=comment,
        expected_hash=expected_hash,
    )
    _notify_team(requirement.project, requirement, made)
    return made


@transaction.atomic
def requirement_confirm(
    *, actor: Any, requirement: Requirement, expected_hash: str | None = None, comment: str = ""
) -> ClientDecision:
    return _client_decision(
        actor=actor,
        requirement=requirement,
        transition=Transition.CONFIRM,
        decision=Decision.CONFIRMED,
        comment=comment,
        expected_hash=expected_hash,
    )


@transaction.atomic
def requirement_return(
    *, actor: Any, requirement: Requirement, comment: str, expected_hash: str | None = None
) -> ClientDecision:
    return _client_decision(
        actor=actor,
        requirement=requirement,
        transition=Transition.RETURN,
        decision=Decision.RETURNED,
        comment=comment,
        expected_hash=expected_hash,
    )


@transaction.atomic
def requirement_reject(
    *, actor: Any, requirement: Requirement, comment: str, expected_hash: str | None = None
) -> ClientDecision:
    return _client_decision(
        actor=actor,
        requirement=requirement,
        transition=Transition.REJECT,
        decision=Decision.REJECTED,
        comment=comment,
        expected_hash=expected_hash,
    )


@transaction.atomic
def requirements_confirm(
    *,
    actor: Any,
    project: Project,
    requirements: list[Requirement],
    comment: str = "",
    expected_hashes: dict[int, str] | None = None,
) -> list[ClientDecision]:
    """Confirm an explicit list of requirements, all or none, each on its current version
    (or on the hash the client read, by requirement number, when `expected_hashes` gives one)."""
    made = []
    for requirement in _locked_many(project, requirements):
        try:
            made.append(
                _record_decision(
                    requirement,
                    actor=actor,
                    transition=Transition.CONFIRM,
                    decision=Decision.CONFIRMED,
                    comment=comment,
                    expected_hash=(expected_hashes or {}).get(requirement.number),
                )
            )
        except ApplicationError as exc:
            _refuse(f"{requirement.key}: {exc.message}", "requirements")
    recipients = _managers(project)
    keys = ", ".join(decision.requirement.key for decision in made)
    notify(
        recipients=recipients,
        kind="requirement.confirmed",
        project=project,
        actor=actor,
        url=reverse("requirements:list", kwargs={"key": project.key}),
        title=lambda: _("The client confirmed %(keys)s") % {"keys": keys},
        body=comment,
        email_template="requirements/email/decided",
        email_context={"audit_head": chain_head_hash(project.pk)},
    )
    return made


# Acceptance criteria and tags ----------------------------------------------------------------


@transaction.atomic
def criterion_verify(
    *, actor: Any, criterion: AcceptanceCriterion, verified: bool, note: str = ""
) -> AcceptanceCriterion:
    criterion = (
        AcceptanceCriterion.objects.select_for_update()
        .select_related("requirement__project")
        .get(pk=criterion.pk)
    )
    requirement = criterion.requirement
    _require(policies.can_edit_requirements(actor, requirement.project))
    if len(note) > 500:
        _refuse(_("Keep the note under 500 characters."), "note")
    before = {"verified": criterion.verified, "note": criterion.verification_note}
    criterion.verified = bool(verified)
    criterion.verified_by = actor if verified else None
    criterion.verified_at = timezone.now() if verified else None
    criterion.verification_note = note.strip()
    criterion.save()
    audit_record(
        actor=actor,
        action="requirement.criterion_verified" if verified else "requirement.criterion_unverified",
        target=requirement,
        before=before,
        after={
            "criterion": criterion.position,
            "verified": criterion.verified,
            "note": criterion.verification_note,
        },
    )
    return criterion


@transaction.atomic
def requirements_tag(
    *,
    actor: Any,
    project: Project,
    requirements: list[Requirement],
    add: list[str],
    remove: Iterable[str] = (),
) -> int:
    """Add and remove tags on many requirements; returns how many changed. Tags are planning
    data: no new version, no reconfirmation."""
    _require(policies.can_edit_requirements(actor, project))
    add_names = _clean_tags(add)
    remove_keys = {name.casefold() for name in _clean_tags(remove)}
    if not add_names and not remove_keys:
        _refuse(_("Name a tag to add or remove."), "tags")
    # The tags to add are looked up (or created) once for all the requirements.
    add_tags = _tags_named(project.pk, add_names)
    changed = 0
    for requirement in _locked_many(project, requirements):
        current = list(requirement.tags.all())
        wanted = [t for t in current if t.name.casefold() not in remove_keys]
        wanted += [t for t in add_tags if t.pk not in {w.pk for w in wanted}]
        old, new = _set_tags(requirement, wanted)
        if old == new:
            continue
        changed += 1
        requirement.version += 1
        requirement.save(update_fields=["version", "updated_at"])
        audit_record(
            actor=actor,
            action="requirement.updated",
            target=requirement,
            before={"tags": old},
            after={"tags": new},
        )
    return changed


# Baselines -----------------------------------------------------------------------------------


@transaction.atomic
def baseline_create(*, actor: Any, project: Project, name: str, description: str = "") -> Baseline:
    """Freeze the confirmed version of every agreed requirement under a name."""
    _require(policies.can_create_baseline(actor, project))
    baseline = Baseline(
        project=project, name=(name or "").strip(), description=description, created_by=actor
    )
    if not baseline.name:
        _refuse(_("Give the baseline a name."), "name")
    validate_model(baseline, exclude=["project", "number", "content_hash"])
    agreed = list(agreed_scope(project).select_related("confirmed_version"))
    if not agreed:
        _refuse(_("No requirement is confirmed yet, so there is nothing to freeze."), "name")
    triples = [
        (r.number, r.confirmed_version.number, r.confirmed_version.content_hash) for r in agreed
    ]
    baseline.content_hash = baseline_hash(triples)
    assign_number(baseline)
    baseline.save()
    BaselineItem.objects.bulk_create(
        BaselineItem(baseline=baseline, requirement=r, version_id=r.confirmed_version_id)
        for r in agreed
    )
    audit_record(
        actor=actor,
        action="baseline.created",
        target=baseline,
        after={
            "name": baseline.name,
            "requirements": len(agreed),
            "content_hash": baseline.content_hash,
        },
    )
    return baseline


# Discussion ----------------------------------------------------------------------------------


def _readers(project: Project, visibility: str) -> list[Any]:
    """Members who can read a comment of that visibility in the project."""
    members = Membership.objects.filter(project=project, user__is_active=True).select_related(
        "user"
    )
    if visibility != Visibility.SHARED:
        members = members.filter(role__in=INTERNAL_ROLES)
    return [m.user for m in members]


@transaction.atomic
def comment_create(
    *, actor: Any, requirement: Requirement, body: str, visibility: str | None = None
) -> Comment:
    """Post a comment. Without a visibility it takes the author's: internal for the team,
    shared for clients. Clients write shared comments only; asking for an internal one is
    refused (pages and API alike), never quietly turned into a shared one."""
    project = requirement.project
    _require(policies.can_comment(actor, requirement))
    body = (body or "").strip()
    if not body:
        _refuse(_("Write something before posting."), "body")
    internal = policies.can_edit_requirements(actor, project)
    if visibility is None:
        visibility = Visibility.INTERNAL if internal else Visibility.SHARED
    if visibility not in Visibility.values:
        _refuse(_("Choose who can read the comment."), "visibility")
    if visibility == Visibility.SHARED and not requirement.is_shared:
        _refuse(
            _("This requirement is not shared with the client yet; comment internally."),
            "visibility",
        )
    if not internal and visibility != Visibility.SHARED:
        _refuse(_("Your comments are shared with the project team."), "visibility")
    comment = Comment.objects.create(
        project=project, requirement=requirement, author=actor, body=body, visibility=visibility
    )
    audit_record(
        actor=actor,
        action="comment.created",
        target=requirement,
        visibility=visibility,
        after={"comment_id": comment.pk, "body": body[:500], "visibility": visibility},
    )
    readers = _readers(project, visibility)
    mentioned = parse_mentions(body, readers)
    author = actor.full_name or actor.email
    notify(
        recipients=mentioned,
        kind="comment.mention",
        project=project,
        actor=actor,
        url=requirement.get_absolute_url() + f"#comment-{comment.pk}",
        title=lambda: (
            _("%(author)s mentioned you on %(key)s") % {"author": author, "key": requirement.key}
        ),
        body=body[:500],
    )
    if not internal:
        notify(
            recipients=[u for u in _managers(project) if u not in mentioned],
            kind="comment.client",
            project=project,
            actor=actor,
            url=requirement.get_absolute_url() + f"#comment-{comment.pk}",
            title=lambda: (
                _("%(author)s commented on %(key)s") % {"author": author, "key": requirement.key}
            ),
            body=body[:500],
        )
    return comment


@transaction.atomic
def comment_delete(*, actor: Any, comment: Comment) -> None:
    comment = (
        Comment.objects.select_for_update()
        .select_related("requirement__project")
        .get(pk=comment.pk)
    )
    requirement = comment.requirement
    _require(
        comment.author_id == actor.pk or can_manage_project(actor, requirement.project),
        _("Only the author or the project manager can delete this comment."),
    )
    audit_record(
        actor=actor,
        action="comment.deleted",
        target=requirement,
        visibility=comment.visibility,
        before={"comment_id": comment.pk, "body": comment.body[:500]},
    )
    comment.delete()


# Traceability links --------------------------------------------------------------------------


def _link_visibility(source: Requirement, target: Requirement) -> str:
    """A link's record names both ends: the client reads it only when both are shared."""
    both = source.is_shared and target.is_shared
    return Visibility.SHARED if both else Visibility.INTERNAL


@transaction.atomic
def link_create(
    *, actor: Any, source: Requirement, target: Requirement | None, kind: str
) -> RequirementLink:
    _require(policies.can_edit_requirements(actor, source.project))
    if kind not in LinkKind.values:
        _refuse(_("Choose what kind of link this is."), "kind")
    if target is None or target.project_id != source.project_id:
        _refuse(_("Choose a requirement of this project."), "target")
    if target.pk == source.pk:
        _refuse(_("A requirement cannot be linked to itself."), "target")
    if RequirementLink.objects.filter(source=source, target=target, kind=kind).exists():
        _refuse(
            _("%(source)s already %(kind)s %(target)s.")
            % {"source": source.key, "kind": LinkKind(kind).label, "target": target.key},
            "target",
        )
    link = RequirementLink.objects.create(
        project=source.project, source=source, target=target, kind=kind, created_by=actor
    )
    audit_record(
        actor=actor,
        action="requirement.linked",
        target=source,
        visibility=_link_visibility(source, target),
        after={"link": kind, "target": target.key},
    )
    return link


@transaction.atomic
def link_delete(*, actor: Any, link: RequirementLink) -> None:
    link = RequirementLink.objects.select_related("source__project", "target__project").get(
        pk=link.pk
    )
    _require(policies.can_edit_requirements(actor, link.source.project))
    audit_record(
        actor=actor,
        action="requirement.unlinked",
        target=link.source,
        visibility=_link_visibility(link.source, link.target),
        before={"link": link.kind, "target": link.target.key},
    )
    link.delete()


# Change requests -----------------------------------------------------------------------------


def _criteria_keeping_verification(
    requirement: Requirement, proposed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The proposed criteria for `_write_criteria`: a criterion worded exactly like an existing
    one reuses it, so its verification stays; any other is new."""
    unused = list(requirement.criteria.order_by("position"))
    entries = []
    for criterion in proposed:
        entry = {
            "id": None,
            "style": criterion.get("style") or CriterionStyle.FREE,
            "text": criterion.get("text", ""),
            "given": criterion.get("given", ""),
            "when": criterion.get("when", ""),
            "then": criterion.get("then", ""),
        }
        for existing in unused:
            if existing.as_content() == criterion:
                entry["id"] = existing.pk
                unused.remove(existing)
                break
        entries.append(entry)
    return entries


@transaction.atomic
def requirement_apply_change(
    *, actor: Any, change_request: Any, item: Any, confirmed_by: Any
) -> RequirementVersion | None:
    """Carry one redline line of an approved change request into the requirements: add a new
    requirement (confirmed, shared, version 1), give one a new version with the proposed
    content (confirmed by the change: work must follow the new wording), or withdraw one.
    New versions get a confirmation (ClientDecision) that names the change request and, as its
    signer, `confirmed_by` (the caller decides who counted for the client). Returns
    the new version (None for a withdrawal). The caller (changes.services.change_apply) holds
    the change request's row lock and has checked that it is approved."""
    from accord.changes.choices import ItemAction

    project = change_request.project
    key = change_request.key
    note = _("Changed by %(key)s") % {"key": key}
    if item.action == ItemAction.ADD:
        requirement = Requirement(
            project=project, status=Status.CONFIRMED, visibility=Visibility.SHARED
        )
        proposed = dict(item.proposed)
        criteria = proposed.pop("acceptance_criteria", [])
        apply_fields(
            requirement, {k: v for k, v in proposed.items() if k in CONTENT_FIELDS}, CONTENT_FIELDS
        )
        _check_fields(requirement)
        assign_number(requirement)
        requirement.save()
        _write_criteria(requirement, _criteria_keeping_verification(requirement, criteria))
        before: dict[str, Any] = {}
        action = "requirement.created"
    else:
        requirement = _locked(item.requirement)
        if requirement.current_version_id != item.base_version_id:
            _refuse(
                _("%(key)s changed since the change request was written.")
                % {"key": requirement.key},
                "items",
            )
        before = snapshot(requirement, AUDIT_FIELDS)
        before.update(_version_info(requirement))
        action = "requirement.change_applied"
        if item.action == ItemAction.WITHDRAW:
            requirement.status = Status.WITHDRAWN
            requirement.version += 1
            requirement.save()
            audit_record(
                actor=actor,
                action=action,
                target=requirement,
                before={"status": before["status"]},
                after={"status": requirement.status, "change_request": key},
            )
            return None
        proposed = dict(item.proposed)
        criteria = proposed.pop("acceptance_criteria", [])
        apply_fields(
            requirement, {k: v for k, v in proposed.items() if k in CONTENT_FIELDS}, CONTENT_FIELDS
        )
        _check_fields(requirement)
        _write_criteria(requirement, _criteria_keeping_verification(requirement, criteria))
        requirement.status = Status.CONFIRMED
        requirement.visibility = Visibility.SHARED
    version = _new_version(requirement, actor=actor, note=note)
    if version is None:
        _refuse(_("%(key)s: the change proposes no change.") % {"key": requirement.key}, "items")
    requirement.confirmed_version = version
    requirement.changed_since_confirmation = False
    if requirement.pk and before:
        requirement.version += 1
    requirement.save()
    confirmation = ClientDecision.objects.create(
        requirement=requirement,
        version=version,
        content_hash=version.content_hash,
        decision=Decision.CONFIRMED,
        decided_by=confirmed_by,
        decided_at=change_request.decided_at or timezone.now(),
        comment=_("Approved in %(key)s") % {"key": key},
        change_request=change_request,
    )
    confirmation.seal()
    after = snapshot(requirement, AUDIT_FIELDS)
    after.update(_version_info(requirement), change_request=key)
    old, new = changes(before, after) if before else ({}, after)
    new["change_request"] = key
    new[AUDIT_KEY] = signoff_ref(confirmation)
    audit_record(actor=actor, action=action, target=requirement, before=old, after=new)
    return version
