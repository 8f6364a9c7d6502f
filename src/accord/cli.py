"""The `accord` command: Django's management commands with Accord's settings.

`accord serve`, `accord worker`, `accord demo`, `accord verify`, `accord backup` … are management
commands of the Accord apps; `accord --help` lists them all.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["accord", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
