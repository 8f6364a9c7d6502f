"""Shared fixtures of the cross-app tests in `tests/`."""

import os

# Playwright's sync API runs an event loop in the test's thread; Django would otherwise refuse
# the ORM calls the browser tests make between page actions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
