"""@mentions in text: `@alice` names the person whose e-mail address is alice@….

Callers pass the people who may be mentioned (e.g. those allowed to see the text), so a
mention never reaches someone outside that set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# "@" not preceded by a character of an e-mail address (so "bob@example.com" is no mention),
# then the handle: letters, digits, ".", "_", "-". Both are ASCII: e-mail local parts are, and
# Chinese text writes mentions without spaces ("请@alice确认"), so a CJK character next to the
# handle must neither block it nor become part of it. A final "." ends the sentence.
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9._%+\-@])@([A-Za-z0-9._\-]+)")


def mention_handle(user: Any) -> str:
    """The handle of a user: their e-mail address before the "@", lower case."""
    return user.email.split("@", 1)[0].lower()


def parse_mentions(text: str, candidates: Iterable[Any]) -> list[Any]:
    """The candidates mentioned in `text`, each once, in order of first mention.

    Unknown handles are ignored; handles compare case-insensitively.
    """
    by_handle: dict[str, Any] = {}
    for user in candidates:
        by_handle.setdefault(mention_handle(user), user)
    found: list[Any] = []
    seen: set[int] = set()
    for match in _MENTION_RE.finditer(text or ""):
        handle = match.group(1).rstrip(".").lower()
        user = by_handle.get(handle)
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            found.append(user)
    return found
