"""Compare two texts and show what changed, for English and Chinese alike.

English changes are shown word by word, Chinese character by character: a word-level diff of
Chinese would mark a whole sentence as changed for one character, since Chinese has no spaces
between words. `tokenize` splits text so that

- each CJK ideograph (and kana) and each CJK or full-width punctuation mark is one token,
- a run of other letters and digits (Latin, accented, Cyrillic …) is one word token,
- a run of whitespace is one token, and every other punctuation character is its own token,

so "支持PDF导出" becomes 支, 持, PDF, 导, 出. The token lists are compared with
`difflib.SequenceMatcher` (without its "junk" heuristic, which would hide changes to common
tokens such as spaces or 的).

Cost bound: SequenceMatcher is quadratic in the worst case. When both texts together exceed
`MAX_TOKEN_DIFF_CHARS` characters, the comparison falls back to whole lines as tokens; the
result then marks changed lines instead of changed words, and `diff_stats` counts non-blank
lines instead of words.

Everything rendered is HTML-escaped; the fragments keep newlines and are meant for a
`white-space: pre-wrap` block (`.diff-pane` in accord.css).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Above this many characters (old and new together) lines are compared instead of words.
MAX_TOKEN_DIFF_CHARS = 200_000

# CJK ideographs (unified, extension A, compatibility, extensions B+), kana, CJK symbols and
# punctuation, CJK compatibility forms, and half-/full-width forms (，。！？（） …).
_CJK = (
    "\u2e80-\u2fdf"
    "\u3000-\u303f"
    "\u3040-\u30ff"
    "\u3100-\u312f"
    "\u3190-\u31ff"
    "\u3400-\u4dbf"
    "\u4e00-\u9fff"
    "\uf900-\ufaff"
    "\ufe30-\ufe4f"
    "\uff00-\uffef"
    "\U00020000-\U0003134f"
)
_TOKEN_RE = re.compile(
    rf"""
    \s+                          # a run of whitespace (also the ideographic space)
    | [{_CJK}]                   # one CJK character or CJK punctuation mark
    | (?:(?![{_CJK}])[^\W_])+    # a run of other letters and digits: one word
    | .                          # any other character (punctuation, symbols) on its own
    """,
    re.VERBOSE | re.DOTALL,
)

EQUAL, DELETE, INSERT = "equal", "delete", "insert"


def tokenize(text: str) -> list[str]:
    """Split text into diff tokens; joining the tokens gives the text back unchanged."""
    return _TOKEN_RE.findall(text)


def _tokens_for(old: str, new: str) -> tuple[list[str], list[str]]:
    if len(old) + len(new) > MAX_TOKEN_DIFF_CHARS:
        return old.splitlines(keepends=True), new.splitlines(keepends=True)
    return tokenize(old), tokenize(new)


def _opcodes(a: Sequence[str], b: Sequence[str]) -> Iterable[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def diff_tokens(old: str, new: str) -> list[tuple[str, str]]:
    """The change from `old` to `new` as runs of ("equal" | "delete" | "insert", text).

    A replaced run comes out as its deletion followed by its insertion. Joining the "equal"
    and "delete" texts gives `old`; joining "equal" and "insert" gives `new`.
    """
    a, b = _tokens_for(old, new)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == EQUAL:
            ops.append((EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            ops.append((DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            ops.append((INSERT, "".join(b[j1:j2])))
    return ops


def _mark(op: str, text: str) -> str:
    if op == DELETE:
        return f'<del class="diff-del">{escape(text)}</del>'
    if op == INSERT:
        return f'<ins class="diff-ins">{escape(text)}</ins>'
    return str(escape(text))


def render_inline(old: str, new: str) -> SafeString:
    """One HTML fragment: unchanged text, deletions in <del>, insertions in <ins>."""
    return mark_safe("".join(_mark(op, text) for op, text in diff_tokens(old, new)))  # noqa: S308


def render_side_by_side(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Two HTML fragments: the old text with its deletions marked, the new text with its
    insertions marked."""
    ops = diff_tokens(old, new)
    left = "".join(_mark(op, text) for op, text in ops if op != INSERT)
    right = "".join(_mark(op, text) for op, text in ops if op != DELETE)
    return mark_safe(left), mark_safe(right)  # noqa: S308


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(inserted, deleted): how many non-whitespace tokens the change adds and removes.

    In the long-text fallback the tokens are lines, so non-blank lines are counted.
    """
    a, b = _tokens_for(old, new)
    inserted = deleted = 0
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == EQUAL:
            continue
        deleted += sum(1 for token in a[i1:i2] if token.strip())
        inserted += sum(1 for token in b[j1:j2] if token.strip())
    return inserted, deleted


def as_text(value: Any) -> str:
    """A field value as comparable text: None is empty, lists are one item per line."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(as_text(item) for item in value)
    return str(value)


@dataclass
class FieldDiff:
    """One field of two versions side by side; `left` / `right` are safe HTML."""

    name: str
    label: str
    old: str
    new: str
    changed: bool
    left: SafeString
    right: SafeString


def compare_fields(old: dict, new: dict, fields: list[tuple[str, str]]) -> list[FieldDiff]:
    """Compare two versions field by field, in the order of `fields` ((name, label) pairs).

    A field missing from a version counts as empty.
    """
    result = []
    for name, label in fields:
        old_text, new_text = as_text(old.get(name)), as_text(new.get(name))
        changed = old_text != new_text
        if changed:
            left, right = render_side_by_side(old_text, new_text)
        else:
            left = right = escape(old_text)
        result.append(FieldDiff(name, label, old_text, new_text, changed, left, right))
    return result
