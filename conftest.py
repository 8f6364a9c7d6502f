"""Fixtures shared by every test. Settings detect a pytest run themselves (PYTEST_VERSION) and
give it a throw-away data folder and test-speed settings."""

import pytest


@pytest.fixture
def personas(db):
    from accord.core.testing import make_personas

    return make_personas()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in a test activates its user's language on the test's thread; later tests
    that run code outside a request must start from the default language again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_default_cache():
    """Values cached under a project's audit chain head (accord.core.history_cache) must not
    leak from one test's rolled-back data into the next, whose chain may hash the same."""
    yield
    from django.core.cache import cache

    cache.clear()
