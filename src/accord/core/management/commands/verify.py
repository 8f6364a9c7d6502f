"""`accord verify`: check that the stored records are intact (audit chains and more)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accord.core.integrity import registered_checks, run_checks


class Command(BaseCommand):
    help = (
        "Verify the integrity of the records: every audit chain (and the checks later "
        "features register). Prints OK with counts, or the first broken record of each "
        "chain and exits with status 1."
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

    def handle(self, *args: Any, checks: list[str] | None = None, **options: Any) -> None:
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
