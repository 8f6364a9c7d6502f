"""Writing and verifying the audit trail.

Services call `audit_record()` inside their transaction. Each record is chained to the previous
record of the same scope by hash; `verify_audit_chains()` recomputes them all.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accord.core.choices import Visibility
from accord.core.middleware import current_request_id
from accord.core.models import AuditChainHead, AuditEvent

GLOBAL_SCOPE = "global"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    raise TypeError(f"Cannot serialise {type(value).__name__}")


def canonical_json(data: Any) -> str:
    """Stable text of a value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Plain JSON values of the named fields; foreign keys as their ids."""
    data: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        data[name] = json.loads(canonical_json(value))
    return data


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Only the fields whose value differs, as (before, after)."""
    keys = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys}


def _event_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "scope": event.scope,
        "sequence": event.sequence,
        "time": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "project": event.project_id,
        "target_type": event.target_type_id,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "visibility": event.visibility,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "prev": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_json(_event_payload(event)).encode()).hexdigest()


def _scope_for(project_id: int | None) -> str:
    return f"project:{project_id}" if project_id else GLOBAL_SCOPE


def chain_head_hash(project_id: int | None) -> str:
    """The hash of the newest record of a project's chain: it changes with every audited write
    to the project, so it keys caches of anything derived from the project's history."""
    head = AuditChainHead.objects.filter(scope=_scope_for(project_id)).values("last_hash").first()
    return head["last_hash"] if head else ""


def _locked_head(scope: str) -> AuditChainHead:
    """The chain head of `scope`, locked until the caller's transaction ends; one query once the
    chain exists (a new chain's head is created first, by whichever writer comes first)."""
    heads = AuditChainHead.objects.select_for_update()
    head = heads.filter(scope=scope).first()
    if head is None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(scope=scope)
        except IntegrityError:
            pass  # another transaction created it meanwhile; theirs is locked and read below
        head = heads.get(scope=scope)
    return head


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    project: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    visibility: str | None = None,
) -> AuditEvent:
    """Append one record to the chain of `project` (or the global chain).

    Must run inside the caller's transaction, so the record commits or rolls back with the
    change it describes. The chain head row is locked until then.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record() must run inside a transaction")
    if project is None and target is not None:
        project = getattr(target, "project", None)
    project_id = getattr(project, "pk", project)
    if visibility is None:
        visibility = getattr(target, "visibility", Visibility.INTERNAL)
    scope = _scope_for(project_id)
    head = _locked_head(scope)
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        scope=scope,
        sequence=head.length + 1,
        created_at=timezone.now(),
        actor=actor if actor_ok else None,
        actor_label=(actor.email if actor_ok else "system"),
        action=action,
        project_id=project_id,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        visibility=visibility,
        before=json.loads(canonical_json(before or {})),
        after=json.loads(canonical_json(after or {})),
        request_id=current_request_id.get(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save()
    head.last_hash = event.hash
    head.length = event.sequence
    head.save(update_fields=["last_hash", "length"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    scope: str
    event_id: int
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"{self.scope} record #{self.sequence} (id {self.event_id}): {self.reason}"


def _verify_scope(scope: str, head: AuditChainHead | None) -> ChainProblem | None:
    prev_hash = ""
    expected_sequence = 1
    last: AuditEvent | None = None
    events = AuditEvent.objects.filter(scope=scope).order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return ChainProblem(scope, event.pk, event.sequence, "a record is missing before it")
        if event.prev_hash != prev_hash:
            return ChainProblem(
                scope, event.pk, event.sequence, "it does not follow its predecessor"
            )
        if event_hash(event) != event.hash:
            return ChainProblem(scope, event.pk, event.sequence, "its content was altered")
        prev_hash = event.hash
        expected_sequence += 1
        last = event
    if head is not None and (head.length != expected_sequence - 1 or head.last_hash != prev_hash):
        pk = last.pk if last else 0
        return ChainProblem(scope, pk, expected_sequence - 1, "records after it were removed")
    return None


def verify_audit_chains() -> Iterator[ChainProblem]:
    """Yield the first broken record of every chain that does not verify."""
    heads = {h.scope: h for h in AuditChainHead.objects.all()}
    scopes = set(heads) | set(
        AuditEvent.objects.order_by().values_list("scope", flat=True).distinct()
    )
    for scope in sorted(scopes):
        problem = _verify_scope(scope, heads.get(scope))
        if problem:
            yield problem


@dataclass(frozen=True)
class Anchor:
    """Where a chain head kept outside Accord (e.g. from a sign-off e-mail) stands today."""

    event: AuditEvent
    later: int  # records written after it in its chain
    problem: ChainProblem | None  # the chain's first break, if it does not verify


def find_anchor(digest: str) -> Anchor | None:
    """The record whose hash is `digest`, with its chain verified from its first record to its
    head; None when no record has that hash (the records up to it were rewritten or removed)."""
    event = AuditEvent.objects.filter(hash=digest.strip().lower()).select_related("project").first()
    if event is None:
        return None
    head = AuditChainHead.objects.filter(scope=event.scope).first()
    length = head.length if head else event.sequence
    return Anchor(
        event=event,
        later=max(length - event.sequence, 0),
        problem=_verify_scope(event.scope, head),
    )
