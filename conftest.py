"""Test settings that must be in place before Django loads."""

import os
import tempfile

os.environ["ACCORD_TESTING"] = "1"
os.environ.setdefault("ACCORD_DATA_DIR", tempfile.mkdtemp(prefix="accord-test-"))

import pytest


@pytest.fixture
def personas(db):
    from accord.core.testing import make_personas

    return make_personas()
