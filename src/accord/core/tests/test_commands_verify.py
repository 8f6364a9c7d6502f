"""`accord verify` passes on intact data and names the first altered record."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

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
