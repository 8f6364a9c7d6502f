"""`accord verify` checks for requirements: every version, client decision and baseline still
matches its hash."""

from __future__ import annotations

from accord.core.integrity import CheckResult, register_check
from accord.requirements.hashing import baseline_hash, content_hash
from accord.requirements.models import Baseline, ClientDecision, RequirementVersion

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
