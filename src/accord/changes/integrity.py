"""`accord verify` checks for change requests: each request still matches its content hash,
every live approval was given on the current content, and every applied line points to the
version it made. Approvals are registered as sign-offs (sealed, each matched with its audit
record)."""

from __future__ import annotations

from typing import Any

from accord.changes.hashing import change_hash
from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest
from accord.core.integrity import CheckResult, register_check
from accord.core.signoffs import register_signoff

BATCH = 500


@register_check("changes")
def check_change_requests() -> CheckResult:
    problems: list[str] = []
    requests = ChangeRequest.objects.select_related("project").order_by("pk")
    request_count = 0
    current: dict[int, tuple[str, int]] = {}
    for change in requests.iterator(chunk_size=BATCH):
        request_count += 1
        current[change.pk] = (change.content_hash, change.revision)
        if change_hash(change) != change.content_hash:
            problems.append(f"{change.key}: content does not match its hash")
    approvals = ChangeApproval.objects.filter(voided_at__isnull=True).select_related(
        "change_request__project"
    )
    approval_count = 0
    for approval in approvals.order_by("pk").iterator(chunk_size=BATCH):
        approval_count += 1
        digest, revision = current.get(approval.change_request_id, ("", 0))
        if approval.content_hash != digest or approval.revision != revision:
            problems.append(
                f"{approval.change_request.key}: live decision #{approval.pk} was given on "
                f"revision {approval.revision}, not on the current content"
            )
    # Applied requests (a rejected request may be closed too: its lines were never applied).
    applied = ChangeItem.objects.filter(change_request__implemented_at__isnull=False)
    item_count = 0
    for item in applied.select_related("change_request__project", "result_version").order_by("pk"):
        item_count += 1
        if item.action != "withdraw" and item.result_version is None:
            problems.append(
                f"{item.change_request.key} line {item.position}: applied without a result version"
            )
        elif item.result_version is not None and item.result_version.content != item.proposed:
            problems.append(
                f"{item.change_request.key} line {item.position}: the version it made does "
                "not carry the proposed content"
            )
    return CheckResult(
        name="changes",
        summary=(
            f"{request_count} change request(s), {approval_count} live approval(s), "
            f"{item_count} applied line(s)"
        ),
        problems=problems,
    )


def _approval_label(approval: ChangeApproval) -> str:
    return f"{approval.change_request.key}: the {approval.decision} decision #{approval.pk}"


def _legacy_approval(event: Any) -> dict[str, Any] | None:
    """The decision an audit record from before sealing states (see SignOffKind.legacy)."""
    after = event.after or {}
    if "decision" not in after or "revision" not in after:
        return None
    return {
        "change_request_id": int(event.target_id),
        "approver_id": event.actor_id,
        "decision": after["decision"],
        "slot": after.get("slot"),
        "revision": after["revision"],
        "content_hash": after.get("content_hash"),
    }


register_signoff(
    ChangeApproval,
    actions=["change.approved_by", "change.rejected_by"],
    describe=_approval_label,
    legacy=_legacy_approval,
    related=["change_request__project"],
)
