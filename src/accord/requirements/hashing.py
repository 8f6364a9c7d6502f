"""Content hashes: what a client confirms and what a baseline freezes, made verifiable.

A version's hash is SHA-256 over the canonical JSON of its material content (sorted keys, no
spaces, UTF-8). A baseline's hash is SHA-256 over the canonical JSON of its items, each
[requirement number, version number, version hash], sorted by requirement number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from accord.core.audit import canonical_json

# The fields a client confirms; a change to any of them makes a new version.
CONTENT_FIELDS = (
    "title",
    "background",
    "description",
    "type",
    "quality_attribute",
    "priority",
    "source",
    "source_stakeholder",
    "source_reference",
)


def requirement_content(requirement: Any, criteria: Iterable[Any]) -> dict[str, Any]:
    """The material content of a requirement with its ordered acceptance criteria."""
    content: dict[str, Any] = {name: getattr(requirement, name) for name in CONTENT_FIELDS}
    content["acceptance_criteria"] = [criterion.as_content() for criterion in criteria]
    return content


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def baseline_hash(items: Iterable[tuple[int, int, str]]) -> str:
    """Hash over (requirement number, version number, version hash) triples."""
    return hashlib.sha256(canonical_json(sorted(list(item) for item in items)).encode()).hexdigest()
