"""The checks `accord verify` runs: a small registry that later apps extend.

An app adds a check by defining a function in its own `integrity.py` and decorating it with
`@register_check("…")`; the function returns a `CheckResult`. The audit chains are checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules


@dataclass
class CheckResult:
    """What one check found: a summary of what it covered and the problems, if any."""

    name: str
    summary: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


Check = Callable[[], CheckResult]
_registry: dict[str, Check] = {}


def register_check(name: str) -> Callable[[Check], Check]:
    """Add a check under a unique name; registering the same name again replaces it."""

    def decorator(func: Check) -> Check:
        _registry[name] = func
        return func

    return decorator


def registered_checks() -> dict[str, Check]:
    autodiscover_modules("integrity")
    return dict(_registry)


def run_checks(names: list[str] | None = None) -> list[CheckResult]:
    """Run the named checks (all when None), in registration order."""
    checks = registered_checks()
    unknown = sorted(set(names or []) - set(checks))
    if unknown:
        raise KeyError(", ".join(unknown))
    return [check() for name, check in checks.items() if not names or name in names]


@register_check("audit")
def check_audit_chains() -> CheckResult:
    """Every audit chain recomputes from its first record to its head."""
    from accord.core.audit import verify_audit_chains
    from accord.core.models import AuditChainHead, AuditEvent

    problems = [str(problem) for problem in verify_audit_chains()]
    chains = AuditChainHead.objects.count()
    records = AuditEvent.objects.count()
    return CheckResult(
        name="audit",
        summary=f"{chains} audit chain(s), {records} record(s)",
        problems=problems,
    )


@register_check("signoffs")
def check_signoffs() -> CheckResult:
    """Every registered sign-off still carries its signature and matches its audit record."""
    from accord.core.signoffs import registered_signoffs, verify_signoffs

    problems: list[str] = []
    counted = []
    for kind in registered_signoffs().values():
        count, found = verify_signoffs(kind)
        counted.append(f"{count} {kind.model._meta.verbose_name_plural}")
        problems.extend(found)
    return CheckResult(
        name="signoffs",
        summary=", ".join(counted) or "no sign-off kinds registered",
        problems=problems,
    )
