"""`accord verify`: check that the stored records are intact (audit chains and more)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.core.audit import find_anchor
from accord.core.integrity import registered_checks, run_checks


class Command(BaseCommand):
    help = (
        "Verify the integrity of the records: every audit chain, every sign-off against its "
        "audit record, every item's content against its version hash (and the checks later "
        "features register). Prints OK with counts, or each problem and exits with status 1. "
        "With --anchor HASH (a chain head kept outside Accord, e.g. from a sign-off e-mail) it "
        "proves instead that this head is still in its chain and the chain verifies."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="append",
            dest="checks",
            metavar="NAME",
            help="Run only this check (repeatable). Known: "
            + ", ".join(sorted(registered_checks())),
        )
        parser.add_argument(
            "--anchor",
            metavar="HASH",
            help="Prove that this chain head (kept outside Accord) is still in its audit chain.",
        )

    def handle(
        self, *args: Any, checks: list[str] | None = None, anchor: str = "", **options: Any
    ) -> None:
        if anchor:
            self.verify_anchor(anchor)
            return
        try:
            results = run_checks(checks)
        except KeyError as exc:
            raise CommandError(f"Unknown check: {exc.args[0]}") from exc
        failed = 0
        for result in results:
            if result.ok:
                self.stdout.write(self.style.SUCCESS(f"OK      {result.name}: {result.summary}"))
                continue
            failed += 1
            self.stdout.write(self.style.ERROR(f"FAILED  {result.name}: {result.summary}"))
            for problem in result.problems:
                self.stdout.write(f"        {problem}")
        if failed:
            raise CommandError(f"Verification failed: {failed} check(s) found problems.")
        self.stdout.write(f"All {len(results)} check(s) passed.")

    def verify_anchor(self, digest: str) -> None:
        found = find_anchor(digest)
        if found is None:
            raise CommandError(
                f"{digest} is in no audit chain: the records up to it were rewritten or "
                "removed (or the hash is mistyped)."
            )
        event = found.event
        where = f"{event.scope}" + (f" ({event.project.key})" if event.project else "")
        place = (
            f"record #{event.sequence} of the audit chain {where}, written "
            f"{event.created_at.isoformat(timespec='seconds')} ({event.action})"
        )
        if found.problem is not None:
            self.stdout.write(self.style.ERROR(f"FAILED  anchor: {digest} is {place}"))
            self.stdout.write(f"        but the chain does not verify: {found.problem}")
            raise CommandError("Verification failed: the anchor's chain is broken.")
        self.stdout.write(
            self.style.SUCCESS(
                f"OK      anchor: {digest} is {place}; {found.later} record(s) follow it and "
                "the chain verifies from its first record to its head."
            )
        )
