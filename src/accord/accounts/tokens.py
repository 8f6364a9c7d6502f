"""API token secrets: `acc_<prefix>_<secret>`; the database keeps the prefix and a SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_START = "acc_"  # noqa: S105 - a public marker, not a secret


def new_token() -> tuple[str, str, str]:
    """Return (plain token, prefix, digest). The plain token is shown once and never stored."""
    prefix = secrets.token_hex(4)
    plain = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    return plain, prefix, digest_of(plain)


def digest_of(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def split_prefix(plain: str) -> str | None:
    if not plain.startswith(TOKEN_START):
        return None
    parts = plain[len(TOKEN_START) :].split("_", 1)
    return parts[0] if len(parts) == 2 and parts[0] else None


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
