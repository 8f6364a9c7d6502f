"""Regenerate every app's Chinese catalogue from the source, then compile it.

Run through `make messages`. Each app under src/accord/ that has a `locale/` folder keeps its own
catalogue; new strings appear with an empty translation for a translator to fill in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "src" / "accord"
ACCORD = Path(sys.executable).parent / "accord"


def main() -> None:
    data_dir = os.environ.get("ACCORD_DATA_DIR") or tempfile.mkdtemp(prefix="accord-msg-")
    env = {**os.environ, "ACCORD_DATA_DIR": data_dir}
    for locale in sorted(APPS.glob("*/locale")):
        app = locale.parent
        print(f"== {app.name}")
        for domain in ("django", "djangojs"):
            if domain == "djangojs" and not any(app.rglob("*.js")):
                continue
            subprocess.run(
                [ACCORD, "makemessages", "-l", "zh_Hans", "-d", domain, "--no-obsolete"],
                cwd=app,
                env=env,
                check=True,
            )
        subprocess.run([ACCORD, "compilemessages", "-l", "zh_Hans"], cwd=app, env=env, check=True)


if __name__ == "__main__":
    main()
