"""`accord verify` checks for change requests: each request still matches its content hash,
every live approval was given on the current content, and every applied line points to the
version it made."""

from __future__ import annotations

from accord.changes.hashing import change_hash
from accord.changes.models import ChangeApproval, ChangeItem, ChangeRequest
from accord.core.integrity import CheckResult, register_check

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
