"""Compare two texts and show what changed, for English and Chinese alike.

English changes are shown word by word, Chinese character by character: a word-level diff of
Chinese would mark a whole sentence as changed for one character, since Chinese has no spaces
between words. `tokenize` splits text so that

- each CJK ideograph (and kana) and each CJK or full-width punctuation mark is one token,
- a run of other letters and digits (Latin, accented, Cyrillic …) is one word token,
- a run of whitespace is one token, and every other punctuation character is its own token,

so "支持PDF导出" becomes 支, 持, PDF, 导, 出.

Cost bound: a diff runs inside a web request, so it must finish in a fraction of a second
whatever the texts (a quadratic word diff of two 99 KB versions once took minutes and held a
server worker). The comparison uses diff-match-patch (Myers' O(ND) algorithm with a deadline)
in two steps, as its own line mode does:

1. whole lines are compared, each distinct line mapped to one character so the algorithm runs
   over lines (`LINE_DIFF_SECONDS`);
2. each run of changed lines is compared again token by token, each distinct token mapped to
   one character, until `WORD_DIFF_SECONDS` are spent.

A run that the word budget does not reach stays marked as whole lines, and if even the lines
cannot be compared in time both texts are shown unmarked; `TextDiff.granularity` says which,
so the page can tell the reader. When both texts together exceed `MAX_TOKEN_DIFF_CHARS`
characters only lines are compared. With lines as the unit, `diff_stats` counts non-blank lines
instead of words. A page that compares many texts (a change request's lines, a baseline's
requirements) shares one budget among them with `time_limit`; once it is spent, the remaining
long texts are shown unmarked.

Results are cached (Django's default cache) under both texts' SHA-256 and the algorithm's
version and settings, so opening the same comparison again does not compute it again; the
texts decide the result, so such an entry never goes stale. A result that the page's budget
cut short is kept only for `FALLBACK_CACHE_SECONDS`.

Everything rendered is HTML-escaped; the fragments keep newlines and are meant for a
`white-space: pre-wrap` block (`.diff-pane` in accord.css).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from diff_match_patch import diff_match_patch
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

# Part of the cache key: raise it whenever the same texts would diff differently.
DIFF_VERSION = 2
# Above this many characters (old and new together) lines are compared instead of words.
MAX_TOKEN_DIFF_CHARS = 200_000
# Time allowed for comparing lines, then for refining the changed lines word by word. Together
# they bound a diff to well under a second on a loaded server.
LINE_DIFF_SECONDS = 0.2
WORD_DIFF_SECONDS = 0.15
# All the diffs of one page together (`time_limit`): a change request has up to 200 lines.
PAGE_DIFF_SECONDS = 1.0
# What a short text still gets once a page's budget is spent.
MIN_DIFF_SECONDS = 0.005
# Shorter comparisons take less time than a round trip to a shared cache: they are not cached.
CACHE_MIN_CHARS = 2_000
CACHE_SECONDS = 24 * 3600
FALLBACK_CACHE_SECONDS = 600

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
# How finely a diff marks the changes.
WORDS, LINES, UNMARKED = "words", "lines", "unmarked"

_OPS = {
    diff_match_patch.DIFF_EQUAL: EQUAL,
    diff_match_patch.DIFF_DELETE: DELETE,
    diff_match_patch.DIFF_INSERT: INSERT,
}
# The deadline `time_limit` set for the diffs of the current page, if any.
_page_deadline: ContextVar[float | None] = ContextVar("textdiff_page_deadline", default=None)


def tokenize(text: str) -> list[str]:
    """Split text into diff tokens; joining the tokens gives the text back unchanged."""
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True)
class TextDiff:
    """The change from one text to another as runs of ("equal" | "delete" | "insert", text),
    and how finely they mark it (`WORDS`, `LINES` or `UNMARKED`)."""

    granularity: str
    ops: list[tuple[str, str]]


def _diff_units(
    a: Sequence[str], b: Sequence[str], deadline: float
) -> tuple[list[tuple[str, str]], bool]:
    """Runs of joined units between two unit lists, and whether they finished in time.

    diff-match-patch compares characters: each distinct unit (a line, a token) is mapped to one
    character, as its linesToChars does, so the algorithm's cost depends on the number of units,
    not of characters. Past the deadline it stops refining and answers a correct but coarser
    diff, which the caller must not pass off as exact.
    """
    codes: dict[str, str] = {}
    units: list[str] = []

    def encode(items: Sequence[str]) -> str:
        out = []
        for item in items:
            code = codes.get(item)
            if code is None:
                code = codes[item] = chr(len(units))
                units.append(item)
            out.append(code)
        return "".join(out)

    encoded_a = encode(a)
    shared_units = len(units)
    encoded_b = encode(b)
    if not any(ord(code) < shared_units for code in encoded_b):
        # Nothing in common (a rewrite): the answer is exact without searching, which would
        # take the algorithm its longest.
        runs = [(DELETE, "".join(a)), (INSERT, "".join(b))]
        return [(op, text) for op, text in runs if text], True
    differ = diff_match_patch()
    # A positive timeout also enables its "half match" speed-up; the deadline is what counts.
    differ.Diff_Timeout = max(deadline - time.time(), 0.001)
    runs = differ.diff_main(encoded_a, encoded_b, False, deadline)
    finished = time.time() < deadline
    runs = _keep_longest_equal_whole(runs)
    return [(_OPS[op], "".join(units[ord(c)] for c in text)) for op, text in runs], finished


def _keep_longest_equal_whole(runs: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Slide each lone insertion or deletion, where that reads the same, so that the longer of
    its two unchanged neighbours stays whole.

    "print the report" → "print the yearly report" can mark "yearly " or " yearly"; both are
    right, and the choice follows the longest unchanged stretch, as the earlier diff
    (difflib) did. Units are single characters here, so this moves whole words and lines.
    """
    equal = diff_match_patch.DIFF_EQUAL
    runs = list(runs)
    for i in range(1, len(runs) - 1):
        (before_op, before), (op, text), (after_op, after) = runs[i - 1 : i + 2]
        if before_op != equal or after_op != equal or op == equal:
            continue
        # How far the edit can move left or right and still mean the same change; an equal
        # neighbour is never emptied, so the runs keep their shape.
        left = 0
        while left < min(len(text), len(before) - 1) and before[-1 - left] == text[-1 - left]:
            left += 1
        right = 0
        while right < min(len(text), len(after) - 1) and after[right] == text[right]:
            right += 1
        stay = max(len(before), len(after))
        if left and len(after) + left > max(stay, len(before) + right):
            before, text, after = before[:-left], text[-left:] + text[:-left], text[-left:] + after
        elif right and len(before) + right > stay:
            before, text, after = before + text[:right], text[right:] + text[:right], after[right:]
        runs[i - 1 : i + 2] = [(equal, before), (op, text), (equal, after)]
    return runs


def _append(ops: list[tuple[str, str]], op: str, text: str) -> None:
    """Add a run, joining it to the previous one of the same kind."""
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


def _unmarked(old: str, new: str) -> TextDiff:
    return TextDiff(UNMARKED, [(op, text) for op, text in ((DELETE, old), (INSERT, new)) if text])


def _compute(old: str, new: str, cap: float | None = None) -> TextDiff:
    """The diff within the budgets, and before `cap` (a page's deadline) if one is given."""
    if old == new:
        return TextDiff(WORDS, [(EQUAL, old)] if old else [])
    now = time.time()
    if cap is not None:
        if cap <= now and len(old) + len(new) >= CACHE_MIN_CHARS:
            return _unmarked(old, new)
        # Short texts compare in microseconds: a spent page budget still leaves them a moment.
        cap = max(cap, now + MIN_DIFF_SECONDS)
    line_ops, finished = _diff_units(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        min(now + LINE_DIFF_SECONDS, cap or math.inf),
    )
    if not finished:
        return _unmarked(old, new)
    if len(old) + len(new) > MAX_TOKEN_DIFF_CHARS:
        return TextDiff(LINES, line_ops)
    deadline = min(time.time() + WORD_DIFF_SECONDS, cap or math.inf)
    granularity = WORDS
    ops: list[tuple[str, str]] = []
    # Each run of changed lines (deleted and inserted lines between two equal ones) is compared
    # again token by token, while the budget lasts.
    changed = {DELETE: "", INSERT: ""}
    for op, text in [*line_ops, (EQUAL, "")]:
        if op != EQUAL:
            changed[op] += text
            continue
        deleted, inserted = changed[DELETE], changed[INSERT]
        if deleted and inserted and time.time() < deadline:
            refined, finished = _diff_units(tokenize(deleted), tokenize(inserted), deadline)
            if finished:
                for refined_op, refined_text in refined:
                    _append(ops, refined_op, refined_text)
                deleted = inserted = ""
        if deleted and inserted:
            granularity = LINES
        _append(ops, DELETE, deleted)
        _append(ops, INSERT, inserted)
        _append(ops, EQUAL, text)
        changed = {DELETE: "", INSERT: ""}
    return TextDiff(granularity, ops)


def _cache_key(old: str, new: str) -> str:
    settings = f"{DIFF_VERSION}.{MAX_TOKEN_DIFF_CHARS}.{LINE_DIFF_SECONDS}.{WORD_DIFF_SECONDS}"
    digests = (
        hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() for text in (old, new)
    )
    return f"textdiff:{settings}:{':'.join(digests)}"


@contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Share one time budget (`PAGE_DIFF_SECONDS` by default) among the diffs computed inside:
    a page's fields, a change request's lines, a baseline's requirements. Once it is spent,
    long texts are shown unmarked; a limit inside another never extends it. Also a decorator
    (`@time_limit()`), the budget then starting at each call."""
    deadline = time.time() + (PAGE_DIFF_SECONDS if seconds is None else seconds)
    outer = _page_deadline.get()
    token = _page_deadline.set(deadline if outer is None else min(deadline, outer))
    try:
        yield
    finally:
        _page_deadline.reset(token)


def diff(old: str, new: str) -> TextDiff:
    """The change from `old` to `new`, computed once per pair of texts (see the module's
    docstring for the time bound and the cache)."""
    cap = _page_deadline.get()
    if len(old) + len(new) < CACHE_MIN_CHARS:
        return _compute(old, new, cap)
    key = _cache_key(old, new)
    cached = cache.get(key)
    if cached is not None:
        return TextDiff(*cached)
    started = time.time()
    result = _compute(old, new, cap)
    timeout = CACHE_SECONDS
    limited = cap is not None and cap < started + LINE_DIFF_SECONDS + WORD_DIFF_SECONDS
    if limited and result.granularity != WORDS:
        # Cut short by the page's budget rather than by the texts: kept only for a while, so
        # that a later view, with the page's other diffs cached, can do better.
        timeout = FALLBACK_CACHE_SECONDS
    cache.set(key, (result.granularity, result.ops), timeout)
    return result


def diff_tokens(old: str, new: str) -> list[tuple[str, str]]:
    """The change from `old` to `new` as runs of ("equal" | "delete" | "insert", text).

    A replaced run comes out as its deletion followed by its insertion. Joining the "equal"
    and "delete" texts gives `old`; joining "equal" and "insert" gives `new`.
    """
    return diff(old, new).ops


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
    insertions marked; both texts unmarked when they could not be compared in time."""
    return _sides(diff(old, new))


def _sides(result: TextDiff) -> tuple[SafeString, SafeString]:
    if result.granularity == UNMARKED:
        left = "".join(escape(text) for op, text in result.ops if op != INSERT)
        right = "".join(escape(text) for op, text in result.ops if op != DELETE)
    else:
        left = "".join(_mark(op, text) for op, text in result.ops if op != INSERT)
        right = "".join(_mark(op, text) for op, text in result.ops if op != DELETE)
    return mark_safe(left), mark_safe(right)  # noqa: S308


def diff_stats(old: str, new: str) -> tuple[int, int]:
    """(inserted, deleted): how many non-whitespace tokens the change adds and removes.

    When the diff marks lines (long texts), non-blank lines are counted instead.
    """
    return _stats(diff(old, new))


def _stats(result: TextDiff) -> tuple[int, int]:
    counts = {INSERT: 0, DELETE: 0}
    for op, text in result.ops:
        if op != EQUAL:
            units = tokenize(text) if result.granularity == WORDS else text.splitlines()
            counts[op] += sum(1 for unit in units if unit.strip())
    return counts[INSERT], counts[DELETE]


def as_text(value: Any) -> str:
    """A field value as comparable text: None is empty, lists are one item per line."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(as_text(item) for item in value)
    return str(value)


@dataclass
class FieldDiff:
    """One field of two versions side by side; `left` / `right` are safe HTML, `ops` the runs
    they were made from (see `diff_tokens`) and `granularity` how finely they mark the change."""

    name: str
    label: str
    old: str
    new: str
    changed: bool
    left: SafeString
    right: SafeString
    granularity: str = WORDS
    ops: list[tuple[str, str]] = field(default_factory=list)

    LINES_NOTICE = gettext_noop(
        "This text is long, so some of its changes are marked line by line rather than word "
        "by word."
    )
    UNMARKED_NOTICE = gettext_noop(
        "This text is too long to compare in time: both versions are shown in full, without "
        "marking the changes."
    )

    @property
    def notice(self) -> str:
        """What the reader should know about how the changes are marked ("" when word by
        word), in the active language."""
        if self.granularity == LINES:
            return gettext(self.LINES_NOTICE)
        if self.granularity == UNMARKED:
            return gettext(self.UNMARKED_NOTICE)
        return ""

    def stats(self) -> tuple[int, int]:
        """(inserted, deleted), as `diff_stats` counts them, without comparing again."""
        return _stats(TextDiff(self.granularity, self.ops))


def compare_fields(old: dict, new: dict, fields: list[tuple[str, str]]) -> list[FieldDiff]:
    """Compare two versions field by field, in the order of `fields` ((name, label) pairs),
    within one page's time budget (or the caller's `time_limit`).

    A field missing from a version counts as empty.
    """
    result = []
    with time_limit():
        for name, label in fields:
            old_text, new_text = as_text(old.get(name)), as_text(new.get(name))
            if old_text == new_text:
                left = right = escape(old_text)
                equal = [(EQUAL, old_text)] if old_text else []
                result.append(
                    FieldDiff(name, label, old_text, new_text, False, left, right, WORDS, equal)
                )
                continue
            text_diff = diff(old_text, new_text)
            left, right = _sides(text_diff)
            granularity, ops = text_diff.granularity, text_diff.ops
            result.append(
                FieldDiff(name, label, old_text, new_text, True, left, right, granularity, ops)
            )
    return result
