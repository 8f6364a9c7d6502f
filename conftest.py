"""Fixtures shared by every test. Settings detect a pytest run themselves (PYTEST_VERSION) and
give it a throw-away data folder and test-speed settings."""

import pytest


@pytest.fixture
def personas(db):
    from accord.core.testing import make_personas

    return make_personas()
