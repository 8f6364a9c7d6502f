"""The content hash of a change request: what its approvers sign.

SHA-256 over the canonical JSON (accord.core.audit.canonical_json) of the title, type, urgency,
reason, background, the redline lines in position order (action, requirement key, the base
version's number and hash, proposed content, note) and the team's assessment (effort, cost with
currency, assessment text, schedule impacts by milestone key, new risks by key). Numbers with a
fixed number of decimals are written as text with those decimals, so a value read back from the
database hashes like the value that was typed.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from accord.core.audit import canonical_json


def _fixed(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return f"{Decimal(value):.{places}f}"


def change_content(change: Any) -> dict[str, Any]:
    """The canonical content of a saved change request (three small queries)."""
    from accord.changes.models import ChangeItem, ScheduleImpact

    project_key = change.project.key
    items = []
    for item in (
        ChangeItem.objects.filter(change_request_id=change.pk)
        .select_related("requirement", "base_version")
        .order_by("position")
    ):
        base = item.base_version
        items.append(
            {
                "action": item.action,
                "requirement": (
                    f"{project_key}-R{item.requirement.number}" if item.requirement_id else None
                ),
                "base_version": base.number if base else None,
                "base_hash": base.content_hash if base else None,
                "proposed": item.proposed or {},
                "note": item.note,
            }
        )
    schedule = sorted(
        [f"{project_key}-M{number}", shift]
        for number, shift in ScheduleImpact.objects.filter(change_request_id=change.pk).values_list(
            "milestone__number", "shift_days"
        )
    )
    risks = sorted(
        f"{project_key}-K{number}" for number in change.new_risks.values_list("number", flat=True)
    )
    return {
        "title": change.title,
        "type": change.type,
        "urgency": change.urgency,
        "reason": change.reason,
        "background": change.background,
        "items": items,
        "assessment": {
            "effort_days": _fixed(change.effort_days, 1),
            "cost": _fixed(change.cost, 2),
            "cost_currency": change.cost_currency,
            "assessment": change.assessment,
            "schedule": schedule,
            "new_risks": risks,
        },
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def change_hash(change: Any) -> str:
    return content_hash(change_content(change))
