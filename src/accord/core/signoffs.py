"""Sign-offs: rows in which a person commits to something (a client confirming a requirement,
an approver deciding on a change request, and the acknowledgements and acceptances to come).

Each such model subclasses `SignOff` and names in `SIGNED_FIELDS` what the row asserts: who,
on what, on which content hash, when, and the decision. `SignOff.seal()` stores the SHA-256 of
those values (and of the row's own identity) in `signature`; the service that writes the row
records `signoff_ref(row)` in the audit record of the same transaction. The model's app
registers it with `register_signoff()` in its `integrity.py`, and the `signoffs` check of
`accord verify` then finds any row changed after it was sealed, any row without exactly one
audit record that states its signature, and any audit record whose row is gone or changed.
Display texts that may change later (a void reason) stay out of `SIGNED_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.audit import canonical_json

# The key under which an audit record's `after` names the sign-off it records.
AUDIT_KEY = "signoff"


def _plain(value: Any) -> Any:
    # Times in UTC with microseconds, so a value read back from either database hashes like
    # the value that was written.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def signature_of(label: str, pk: Any, values: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a sign-off's model, id and signed values."""
    payload = {"model": label, "id": pk, **{name: _plain(v) for name, v in values.items()}}
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


class SignOff(models.Model):
    """A row that records a commitment; see the module's docstring."""

    signature = models.CharField(_("sign-off hash"), max_length=64, blank=True, editable=False)

    # The attribute names (foreign keys as `…_id`) of what the row asserts.
    SIGNED_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def signed_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SIGNED_FIELDS}

    def compute_signature(self) -> str:
        return signature_of(self._meta.label_lower, self.pk, self.signed_values())

    def seal(self) -> None:
        """Store the signature of the saved row (it covers the row's id, so it comes after
        the insert, in the same transaction)."""
        self.signature = self.compute_signature()
        manager = type(self)._base_manager.using(self._state.db)
        manager.filter(pk=self.pk).update(signature=self.signature)


def signoff_ref(row: SignOff) -> dict[str, Any]:
    """What the audit record of a sign-off states about it: `after={"signoff": …}`."""
    return {"model": row._meta.label_lower, "id": row.pk, "hash": row.signature}


@dataclass(frozen=True)
class SignOffKind:
    """A registered sign-off model.

    `actions` are the audit actions that may record one. `describe` names a row in a problem.
    `legacy` reads an audit record written before sign-offs were sealed (it has no
    `signoff` entry) and returns the lookups that its row must satisfy, or None when the record
    records no sign-off of this kind; rows sealed by the upgrade are matched through it.
    """

    model: type[SignOff]
    actions: tuple[str, ...]
    describe: Callable[[Any], str]
    legacy: Callable[[Any], dict[str, Any] | None] | None = None
    related: tuple[str, ...] = ()


_kinds: dict[str, SignOffKind] = {}


def register_signoff(
    model: type[SignOff],
    *,
    actions: Iterable[str],
    describe: Callable[[Any], str],
    legacy: Callable[[Any], dict[str, Any] | None] | None = None,
    related: Iterable[str] = (),
) -> None:
    """Have `accord verify` check every row of `model` (`related`: select_related for
    `describe`)."""
    label = model._meta.label_lower
    _kinds[label] = SignOffKind(model, tuple(actions), describe, legacy, tuple(related))


def registered_signoffs() -> dict[str, SignOffKind]:
    return dict(_kinds)


def seal_unsealed(database: str = "default") -> int:
    """Seal the rows that carry no signature yet: rows restored from a backup made before
    sign-offs were sealed, as the upgrade's migrations seal existing ones. Safe against forgery:
    the audit records still decide whether each row is what was signed. Returns the count."""
    from accord.core.integrity import registered_checks

    registered_checks()  # imports every app's integrity module, which registers its kinds
    sealed = 0
    for kind in _kinds.values():
        for row in kind.model._base_manager.using(database).filter(signature="").iterator():
            row.seal()
            sealed += 1
    return sealed


def _event_label(event: Any) -> str:
    return f"{event.scope} record #{event.sequence} (id {event.pk})"


def verify_signoffs(kind: SignOffKind, *, batch: int = 2000) -> tuple[int, list[str]]:
    """Check one sign-off model; returns the number of rows and the problems found."""
    from accord.core.models import AuditEvent

    label = kind.model._meta.label_lower
    problems: list[str] = []
    rows: dict[Any, SignOff] = {}
    queryset = kind.model._base_manager.select_related(*kind.related).order_by("pk")
    for row in queryset.iterator(chunk_size=batch):
        rows[row.pk] = row
        if not row.signature:
            problems.append(f"{kind.describe(row)}: carries no sign-off hash")
        elif row.compute_signature() != row.signature:
            problems.append(f"{kind.describe(row)}: changed after it was signed")
    # Each row must be stated by exactly one audit record, and each record's row must exist
    # and still carry the signature the record states.
    recorded: dict[Any, list[Any]] = defaultdict(list)
    legacy: list[tuple[Any, dict[str, Any]]] = []
    events = AuditEvent.objects.filter(action__in=kind.actions).order_by("pk")
    for event in events.iterator(chunk_size=batch):
        ref = (event.after or {}).get(AUDIT_KEY)
        if isinstance(ref, dict):
            if ref.get("model") != label:
                continue
            row = rows.get(ref.get("id"))
            if row is None:
                problems.append(
                    f"{_event_label(event)}: records sign-off {label} #{ref.get('id')}, "
                    "which does not exist"
                )
            elif ref.get("hash") != row.signature:
                problems.append(
                    f"{kind.describe(row)}: does not match its audit record {_event_label(event)}"
                )
            recorded[ref.get("id")].append(event)
        elif kind.legacy is not None:
            lookups = kind.legacy(event)
            if lookups is not None:
                legacy.append((event, lookups))
    # Audit records from before sealing: the record's own statements find its row.
    for event, lookups in legacy:
        candidates = kind.model._base_manager.filter(**lookups).order_by("pk")
        match = next(
            (pk for pk in candidates.values_list("pk", flat=True) if not recorded.get(pk)), None
        )
        if match is None:
            problems.append(
                f"{_event_label(event)}: the {label} it records is missing or was changed"
            )
        else:
            recorded[match].append(event)
    for pk, row in rows.items():
        found = recorded.get(pk, [])
        if not found:
            problems.append(f"{kind.describe(row)}: has no audit record")
        elif len(found) > 1:
            names = ", ".join(_event_label(event) for event in found)
            problems.append(f"{kind.describe(row)}: recorded more than once ({names})")
    return len(rows), problems
