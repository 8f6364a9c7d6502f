"""`accord verify` checks for requirements: every version, client decision and baseline still
matches its hash, every requirement's current content matches its latest version, and client
decisions are registered as sign-offs (sealed, each matched with its audit record)."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Prefetch

from accord.core.integrity import CheckResult, register_check
from accord.core.signoffs import register_signoff
from accord.requirements.choices import Decision
from accord.requirements.hashing import baseline_hash, content_hash, requirement_content
from accord.requirements.models import (
    AcceptanceCriterion,
    Baseline,
    ClientDecision,
    Requirement,
    RequirementVersion,
)

BATCH = 2000


@register_check("requirements")
def check_requirement_hashes() -> CheckResult:
    """Recompute each version's hash from its content; each decision must carry the hash of
    the version it was made on; each baseline's hash must match its items."""
    problems: list[str] = []
    versions = RequirementVersion.objects.select_related("requirement__project").order_by("pk")
    version_count = 0
    for version in versions.iterator(chunk_size=BATCH):
        version_count += 1
        if content_hash(version.content) != version.content_hash:
            problems.append(
                f"{version.requirement.key} v{version.number}: content does not match its hash"
            )
    decisions = ClientDecision.objects.select_related("version", "requirement__project").order_by(
        "pk"
    )
    decision_count = 0
    for decision in decisions.iterator(chunk_size=BATCH):
        decision_count += 1
        if decision.content_hash != decision.version.content_hash:
            problems.append(
                f"{decision.requirement.key}: the {decision.decision} decision #{decision.pk} "
                f"does not match v{decision.version.number}"
            )
    baselines = Baseline.objects.select_related("project").prefetch_related(
        "items__version", "items__requirement"
    )
    baseline_count = 0
    for baseline in baselines.order_by("pk"):
        baseline_count += 1
        triples = [
            (item.requirement.number, item.version.number, item.version.content_hash)
            for item in baseline.items.all()
        ]
        if baseline_hash(triples) != baseline.content_hash:
            problems.append(f"{baseline.key}: items do not match the baseline hash")
    return CheckResult(
        name="requirements",
        summary=(
            f"{version_count} requirement version(s), {decision_count} client decision(s), "
            f"{baseline_count} baseline(s)"
        ),
        problems=problems,
    )


@register_check("requirement-content")
def check_requirement_content() -> CheckResult:
    """A requirement's current fields and acceptance criteria are its latest version's content,
    and one that shows as confirmed has a confirmation of a version with that content."""
    problems: list[str] = []
    requirements = (
        Requirement.objects.select_related("project", "current_version", "confirmed_version")
        .prefetch_related(
            Prefetch("criteria", queryset=AcceptanceCriterion.objects.order_by("position"))
        )
        .order_by("pk")
    )
    latest = dict(
        RequirementVersion.objects.order_by()
        .values("requirement_id")
        .annotate(number=Max("number"))
        .values_list("requirement_id", "number")
    )
    confirmed = set(
        ClientDecision.objects.filter(decision=Decision.CONFIRMED).values_list(
            "requirement_id", "version_id"
        )
    )
    count = 0
    for requirement in requirements.iterator(chunk_size=BATCH):
        count += 1
        current = requirement.current_version
        if current is None:
            problems.append(f"{requirement.key}: has no version")
            continue
        if current.requirement_id != requirement.pk or current.number != latest.get(requirement.pk):
            problems.append(f"{requirement.key}: v{current.number} is not its latest version")
        digest = content_hash(requirement_content(requirement, requirement.criteria.all()))
        if digest != current.content_hash:
            problems.append(
                f"{requirement.key}: its text or acceptance criteria differ from "
                f"v{current.number}, which it claims to be"
            )
        signed = requirement.confirmed_version
        if signed is None:
            continue
        if (requirement.pk, signed.pk) not in confirmed:
            problems.append(
                f"{requirement.key}: shows v{signed.number} as confirmed, but no confirmation "
                "of it is recorded"
            )
        elif not requirement.changed_since_confirmation and signed.content_hash != digest:
            problems.append(
                f"{requirement.key}: shows as confirmed, but its content is not the "
                f"confirmed v{signed.number}"
            )
    return CheckResult(
        name="requirement-content", summary=f"{count} requirement(s)", problems=problems
    )


def _decision_label(decision: ClientDecision) -> str:
    return f"{decision.requirement.key}: the {decision.decision} decision #{decision.pk}"


def _legacy_decision(event: Any) -> dict[str, Any] | None:
    """The decision an audit record from before sealing states (see SignOffKind.legacy)."""
    after = event.after or {}
    action = event.action.removeprefix("requirement.")
    lookups: dict[str, Any] = {"requirement_id": int(event.target_id)}
    if "content_hash" in after:
        lookups["content_hash"] = after["content_hash"]
    if action in {"confirmed", "returned", "rejected"} and "decision_id" in after:
        return {
            **lookups,
            "pk": after["decision_id"],
            "decision": action,
            "decided_by_id": event.actor_id,
        }
    if action == "accept":
        return {**lookups, "decision": Decision.ACCEPTED, "decided_by_id": event.actor_id}
    if action in {"created", "change_applied"} and after.get("change_request"):
        if "version_number" not in after:
            return None  # a withdrawal: no confirmation
        return {
            **lookups,
            "decision": Decision.CONFIRMED,
            "version__number": after["version_number"],
            "change_request__isnull": False,
        }
    return None


register_signoff(
    ClientDecision,
    actions=[
        "requirement.confirmed",
        "requirement.returned",
        "requirement.rejected",
        "requirement.accept",
        "requirement.created",
        "requirement.change_applied",
    ],
    describe=_decision_label,
    legacy=_legacy_decision,
    related=["requirement__project"],
)
