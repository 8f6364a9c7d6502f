"""`accord verify` passes on intact data and names the first altered record."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accord.core.audit import audit_record
from accord.core.demo import demo_load
from accord.core.integrity import CheckResult, _registry, register_check
from accord.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def run_verify(*args: str) -> str:
    out = StringIO()
    call_command("verify", *args, stdout=out)
    return out.getvalue()


def test_it_passes_on_the_demo_with_counts() -> None:
    demo_load()

    text = run_verify()

    chains = len(set(AuditEvent.objects.values_list("scope", flat=True)))
    assert f"OK      audit: {chains} audit chain(s), {AuditEvent.objects.count()} record(s)" in text
    # The demo's sign-offs are sealed and audited, its requirements match their versions.
    assert "OK      signoffs: " in text and "OK      signoffs: 0 " not in text
    assert "OK      requirement-content: " in text
    assert "passed" in text


def test_it_fails_naming_the_record_altered_in_the_database() -> None:
    demo_load()
    victim = AuditEvent.objects.filter(project__key="ACME").order_by("sequence")[3]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET target_label = %s WHERE id = %s", ["forged", victim.pk]
        )
    out = StringIO()

    with pytest.raises(CommandError, match="Verification failed"):
        call_command("verify", stdout=out)

    text = out.getvalue()
    assert "FAILED  audit" in text
    assert f"{victim.scope} record #{victim.sequence} (id {victim.pk})" in text
    assert "altered" in text
    # Only the altered chain is reported.
    assert text.count("record #") == 1


def test_checks_registered_by_other_apps_run_too() -> None:
    @register_check("sample")
    def sample() -> CheckResult:
        return CheckResult(name="sample", summary="3 things", problems=["thing 2 is broken"])

    try:
        with pytest.raises(CommandError):
            run_verify()
        out = StringIO()
        with pytest.raises(CommandError):
            call_command("verify", "--check", "sample", stdout=out)
        assert "FAILED  sample: 3 things" in out.getvalue()
        assert "thing 2 is broken" in out.getvalue()
        assert "audit" not in out.getvalue()
        assert "OK      audit" in run_verify("--check", "audit")
    finally:
        _registry.pop("sample")


def test_it_rejects_an_unknown_check() -> None:
    with pytest.raises(CommandError, match="Unknown check: nonsense"):
        run_verify("--check", "nonsense")


def _record(n: int) -> AuditEvent:
    with transaction.atomic():
        return audit_record(actor=None, action="sample.written", after={"n": n})


def test_an_anchor_at_the_current_head_is_found() -> None:
    _record(1)
    head = _record(2)

    text = run_verify("--anchor", head.hash)

    assert f"OK      anchor: {head.hash} is record #2 of the audit chain global" in text
    assert "0 record(s) follow it" in text


def test_an_older_head_is_still_in_the_chain() -> None:
    old = _record(1)
    _record(2)
    _record(3)

    text = run_verify("--anchor", old.hash.upper())

    assert "is record #1 of the audit chain global" in text
    assert "2 record(s) follow it" in text


def test_an_unknown_hash_fails() -> None:
    _record(1)

    with pytest.raises(CommandError, match="is in no audit chain"):
        run_verify("--anchor", "0" * 64)


def test_a_rewritten_newest_record_passes_the_chain_check_but_loses_the_anchor() -> None:
    """No chain catches a consistent rewrite of its own newest record; a head kept elsewhere
    does."""
    from accord.core.audit import event_hash
    from accord.core.models import AuditChainHead

    _record(1)
    newest = _record(2)
    newest.after = {"n": 20}
    newest.hash = event_hash(newest)
    AuditEvent.objects.filter(pk=newest.pk).update(after=newest.after, hash=newest.hash)
    AuditChainHead.objects.filter(scope=newest.scope).update(last_hash=newest.hash)
    original = AuditEvent(**{**_fields(newest), "after": {"n": 2}})
    original.hash = event_hash(original)

    assert "OK      audit" in run_verify("--check", "audit")
    with pytest.raises(CommandError, match="is in no audit chain"):
        run_verify("--anchor", original.hash)


def _fields(event: AuditEvent) -> dict:
    return {f.attname: getattr(event, f.attname) for f in AuditEvent._meta.concrete_fields}


def test_an_anchor_in_a_broken_chain_fails() -> None:
    first = _record(1)
    _record(2)
    AuditEvent.objects.filter(pk=first.pk).update(target_label="forged")

    out = StringIO()
    with pytest.raises(CommandError, match="the anchor's chain is broken"):
        call_command("verify", "--anchor", first.hash, stdout=out)
    assert "its content was altered" in out.getvalue()
