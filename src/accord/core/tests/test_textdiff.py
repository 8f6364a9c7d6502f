from __future__ import annotations

import random
import time

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString

from accord.core import textdiff
from accord.core.textdiff import (
    FieldDiff,
    compare_fields,
    diff_stats,
    diff_tokens,
    render_inline,
    render_side_by_side,
    tokenize,
)


class TestTokenize:
    def test_english_splits_into_words_spaces_and_punctuation(self) -> None:
        assert tokenize("Export to PDF, quickly.") == [
            "Export", " ", "to", " ", "PDF", ",", " ", "quickly", ".",
        ]  # fmt: skip

    def test_chinese_is_one_token_per_character_and_punctuation_mark(self) -> None:
        assert tokenize("支持导出，很好。") == ["支", "持", "导", "出", "，", "很", "好", "。"]

    def test_mixed_text_keeps_latin_runs_together(self) -> None:
        assert tokenize("支持PDF导出") == ["支", "持", "PDF", "导", "出"]
        assert tokenize("版本2.0上线") == ["版", "本", "2", ".", "0", "上", "线"]

    def test_whitespace_runs_are_one_token_and_text_round_trips(self) -> None:
        text = "a  b\n\n\tc 中 文 café_x"
        tokens = tokenize(text)
        assert "  " in tokens and "\n\n\t" in tokens
        assert "café" in tokens and "_" in tokens
        assert "".join(tokens) == text


class TestDiffTokens:
    def test_english_changes_are_word_level(self) -> None:
        ops = diff_tokens("The system exports PDF files.", "The system exports Word files.")
        assert ops == [
            ("equal", "The system exports "),
            ("delete", "PDF"),
            ("insert", "Word"),
            ("equal", " files."),
        ]

    def test_chinese_changes_are_character_level(self) -> None:
        ops = diff_tokens("系统支持导出报表。", "系统支持打印报表。")
        assert ops == [
            ("equal", "系统支持"),
            ("delete", "导出"),
            ("insert", "打印"),
            ("equal", "报表。"),
        ]

    def test_mixed_text(self) -> None:
        ops = diff_tokens("支持PDF导出", "支持Word导出")
        assert ops == [("equal", "支持"), ("delete", "PDF"), ("insert", "Word"), ("equal", "导出")]

    def test_unchanged_text_is_one_equal_run(self) -> None:
        assert diff_tokens("same text 相同", "same text 相同") == [("equal", "same text 相同")]

    def test_empty_old_or_new(self) -> None:
        assert diff_tokens("", "new words") == [("insert", "new words")]
        assert diff_tokens("old words", "") == [("delete", "old words")]
        assert diff_tokens("", "") == []

    def test_runs_rebuild_both_texts(self) -> None:
        old = "Users log in with e-mail.\n用户登录。"
        new = "Users sign in with SSO.\n用户通过单点登录。"
        ops = diff_tokens(old, new)
        assert "".join(t for op, t in ops if op != "insert") == old
        assert "".join(t for op, t in ops if op != "delete") == new


class TestRender:
    def test_inline_marks_deletions_and_insertions(self) -> None:
        html = render_inline("pay by card", "pay by invoice")
        assert isinstance(html, SafeString)
        assert html == (
            'pay by <del class="diff-del">card</del><ins class="diff-ins">invoice</ins>'
        )

    def test_text_is_html_escaped(self) -> None:
        html = render_inline("safe", 'safe <script>alert("x")</script> & more')
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
        left, right = render_side_by_side("a <script>", "a <img src=x>")
        assert left == 'a &lt;<del class="diff-del">script</del>&gt;'
        assert right == 'a &lt;<ins class="diff-ins">img src=x</ins>&gt;'
        assert "<script" not in left and "<img" not in right

    def test_newlines_are_kept(self) -> None:
        html = render_inline("line one\nline two", "line one\nline 2")
        assert html.startswith("line one\nline ")

    def test_side_by_side_marks_each_side(self) -> None:
        left, right = render_side_by_side("导出PDF文件", "导出Word文件")
        assert left == '导出<del class="diff-del">PDF</del>文件'
        assert right == '导出<ins class="diff-ins">Word</ins>文件'
        assert "ins" not in left and "del" not in right

    def test_unchanged_text_has_no_marks(self) -> None:
        assert render_inline("a < b", "a < b") == "a &lt; b"
        assert render_side_by_side("同样", "同样") == ("同样", "同样")


class TestStats:
    def test_counts_non_whitespace_tokens(self) -> None:
        assert diff_stats("one two three", "one 2 three four") == (2, 1)
        assert diff_stats("支持导出", "支持打印导出") == (2, 0)
        assert diff_stats("same", "same") == (0, 0)

    def test_whitespace_only_changes_count_nothing(self) -> None:
        assert diff_stats("a b", "a    b") == (0, 0)


class TestLongTextFallback:
    def test_large_texts_are_compared_by_lines(self, monkeypatch) -> None:
        old = "".join(f"line {n} 第{n}行\n" for n in range(20_000))
        new = old.replace("line 500 第500行\n", "line 500 changed 第500行\n")
        assert len(old) + len(new) > textdiff.MAX_TOKEN_DIFF_CHARS
        ops = diff_tokens(old, new)
        # Whole lines are the unit: the changed line is deleted and inserted as a whole.
        assert ("delete", "line 500 第500行\n") in ops
        assert ("insert", "line 500 changed 第500行\n") in ops
        assert diff_stats(old, new) == (1, 1)
        calls = []
        monkeypatch.setattr(textdiff, "tokenize", lambda text: calls.append(text) or [])
        diff_tokens(old, new)
        assert calls == []

    def test_below_the_limit_words_are_compared(self) -> None:
        old = "line 500 第500行\n"
        new = "line 500 changed 第500行\n"
        assert ("insert", " changed") in diff_tokens(old, new)


class TestCompareFields:
    def test_values_become_text_and_changes_are_flagged(self) -> None:
        old = {"title": "Export", "criteria": ["fast", "safe"], "priority": 2, "note": None}
        new = {"title": "Export <all>", "criteria": ["fast", "secure"], "priority": 2}
        fields = [
            ("title", "Title"), ("criteria", "Criteria"), ("priority", "Priority"),
            ("note", "Note"),
        ]  # fmt: skip
        diffs = compare_fields(old, new, fields)
        assert [d.name for d in diffs] == ["title", "criteria", "priority", "note"]
        title, criteria, priority, note = diffs
        assert isinstance(title, FieldDiff)
        assert title.label == "Title" and title.changed
        assert title.right == 'Export<ins class="diff-ins"> &lt;all&gt;</ins>'
        assert title.left == "Export"
        assert criteria.old == "fast\nsafe" and criteria.new == "fast\nsecure"
        assert '<del class="diff-del">safe</del>' in criteria.left
        assert '<ins class="diff-ins">secure</ins>' in criteria.right
        assert not priority.changed and priority.left == priority.right == "2"
        assert note.old == note.new == "" and not note.changed

    def test_unchanged_field_is_escaped(self) -> None:
        (diff,) = compare_fields({"d": "<x>"}, {"d": "<x>"}, [("d", "D")])
        assert not diff.changed
        assert diff.left == diff.right == "&lt;x&gt;"
        assert isinstance(diff.left, SafeString)


# Large texts: the diff is bounded in time ------------------------------------------------------

WORDS = [
    "the", "system", "shall", "export", "report", "data", "to", "PDF", "and", "Word", "files",
    "for", "every", "project", "user", "client", "manager", "requirement", "version", "change",
    "request", "approval", "within", "two", "seconds",
]  # fmt: skip
HAN = "系统应支持导出报表数据为格式文件每个项目用户客户经理需求版本变更请求审批在秒内完成的了是和与"


def _english(rng: random.Random, size: int) -> str:
    parts, length = [], 0
    while length < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
        sentence = " ".join(words).capitalize() + "." + ("\n" if rng.random() < 0.2 else " ")
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)[:size]


def _chinese(rng: random.Random, size: int) -> str:
    parts, length = [], 0
    while length < size:
        sentence = "".join(rng.choice(HAN) for _ in range(rng.randint(8, 30)))
        sentence += rng.choice("，。；") + ("\n" if rng.random() < 0.1 else "")
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)[:size]


def _scatter_edits(rng: random.Random, text: str, count: int, alphabet: str) -> str:
    """`count` insertions, deletions and replacements of up to 12 characters, anywhere."""
    chars = list(text)
    for _ in range(count):
        at = rng.randrange(len(chars))
        piece = list("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))))
        kind = rng.randrange(3)
        if kind == 0:
            chars[at:at] = piece
        elif kind == 1:
            del chars[at : at + len(piece)]
        else:
            chars[at : at + len(piece)] = piece
    return "".join(chars)


def large_pair(language: str, edits: int = 60) -> tuple[str, str]:
    """Two versions of a 99,000-character text (English or Chinese) with scattered edits."""
    rng = random.Random(f"{language}-{edits}")
    if language == "english":
        old = _english(rng, 99_000)
        return old, _scatter_edits(rng, old, edits, "abcdefgh ,.")
    old = _chinese(rng, 99_000)
    return old, _scatter_edits(rng, old, edits, HAN + "，。")


def rebuilt(ops: list[tuple[str, str]]) -> tuple[str, str]:
    old = "".join(text for op, text in ops if op != "insert")
    new = "".join(text for op, text in ops if op != "delete")
    return old, new


@pytest.mark.parametrize("language", ["english", "chinese"])
class TestLargePair:
    def test_a_99_kb_pair_diffs_in_seconds_and_rebuilds_both_texts(self, language) -> None:
        old, new = large_pair(language)
        assert len(old) == 99_000 and old != new
        assert len(old) + len(new) <= textdiff.MAX_TOKEN_DIFF_CHARS
        started = time.perf_counter()
        ops = diff_tokens(old, new)
        left, right = render_side_by_side(old, new)
        inserted, deleted = diff_stats(old, new)
        assert time.perf_counter() - started < 3
        assert rebuilt(ops) == (old, new)
        assert inserted and deleted
        assert len(left) >= len(old) and len(right) >= len(new)

    def test_with_time_to_spare_it_is_still_word_by_word(self, language, monkeypatch) -> None:
        # Lines first, then the changed lines word by word (character by character in
        # Chinese): the pair comes out as fine-grained as a whole-text word diff would.
        monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 60)
        monkeypatch.setattr(textdiff, "LINE_DIFF_SECONDS", 60)
        old, new = large_pair(language)
        result = textdiff.diff(old, new)
        assert result.granularity == textdiff.WORDS
        assert rebuilt(result.ops) == (old, new)
        removed = sum(len(text) for op, text in result.ops if op == "delete")
        assert removed < 1_000, "60 edits of at most 12 characters, not whole lines"

    def test_many_edits_within_the_budget_still_rebuild_both_texts(self, language) -> None:
        old, new = large_pair(language, edits=3_000)
        started = time.perf_counter()
        result = textdiff.diff(old, new)
        assert time.perf_counter() - started < 3
        assert rebuilt(result.ops) == (old, new)


class TestBudget:
    OLD = "First line stays.\nThe second line changes.\n第三行不变。\n"
    NEW = "First line stays.\nThe 2nd line changes.\n第三行不变。\n"

    def test_within_the_budget_changes_are_marked_word_by_word(self) -> None:
        result = textdiff.diff(self.OLD, self.NEW)
        assert result.granularity == textdiff.WORDS
        assert ("delete", "second") in result.ops and ("insert", "2nd") in result.ops
        (field,) = compare_fields({"d": self.OLD}, {"d": self.NEW}, [("d", "D")])
        assert field.granularity == textdiff.WORDS and field.notice == ""

    def test_when_the_word_budget_runs_out_lines_are_compared(self, monkeypatch) -> None:
        monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 0)
        result = textdiff.diff(self.OLD, self.NEW)
        assert result.granularity == textdiff.LINES
        assert result.ops == [
            ("equal", "First line stays.\n"),
            ("delete", "The second line changes.\n"),
            ("insert", "The 2nd line changes.\n"),
            ("equal", "第三行不变。\n"),
        ]
        assert diff_stats(self.OLD, self.NEW) == (1, 1)
        (field,) = compare_fields({"d": self.OLD}, {"d": self.NEW}, [("d", "D")])
        assert field.granularity == textdiff.LINES
        assert field.right == (
            'First line stays.\n<ins class="diff-ins">The 2nd line changes.\n</ins>第三行不变。\n'
        )
        assert "line by line" in field.notice

    def test_when_the_line_budget_runs_out_both_versions_are_shown_unmarked(
        self, monkeypatch
    ) -> None:
        monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 0)
        monkeypatch.setattr(textdiff, "LINE_DIFF_SECONDS", 0)
        old, new = self.OLD + "<b>", self.NEW + "<b>"
        result = textdiff.diff(old, new)
        assert result.granularity == textdiff.UNMARKED
        assert result.ops == [("delete", old), ("insert", new)]
        left, right = render_side_by_side(old, new)
        assert left == escape(old) and right == escape(new)
        (field,) = compare_fields({"d": old}, {"d": new}, [("d", "D")])
        assert field.changed and field.granularity == textdiff.UNMARKED
        assert field.left == escape(old) and "diff-" not in field.left + field.right
        assert "without marking" in field.notice

    def test_the_notice_is_in_the_readers_language(self, monkeypatch) -> None:
        monkeypatch.setattr(textdiff, "WORD_DIFF_SECONDS", 0)
        (field,) = compare_fields({"d": self.OLD}, {"d": self.NEW}, [("d", "D")])
        with translation.override("en"):
            english = field.notice
        with translation.override("zh-hans"):
            assert str(field.notice) == str(translation.gettext(textdiff.FieldDiff.LINES_NOTICE))
        assert english


class TestCache:
    def test_a_repeated_diff_is_not_recomputed(self, monkeypatch) -> None:
        old, new = large_pair("english", edits=20)
        calls = []
        compute = textdiff._compute
        monkeypatch.setattr(textdiff, "_compute", lambda *args: calls.append(1) or compute(*args))
        first = diff_tokens(old, new)
        # The page renders both sides and counts the changes: one computation for all three.
        render_side_by_side(old, new)
        diff_stats(old, new)
        compare_fields({"d": old}, {"d": new}, [("d", "D")])
        assert len(calls) == 1
        assert diff_tokens(old, new) == first
        assert len(calls) == 1

    def test_the_key_is_both_texts_and_the_algorithms_version(self, monkeypatch) -> None:
        old, new = large_pair("chinese", edits=20)
        calls = []
        compute = textdiff._compute
        monkeypatch.setattr(textdiff, "_compute", lambda *args: calls.append(1) or compute(*args))
        diff_tokens(old, new)
        diff_tokens(new, old)
        diff_tokens(old, new + "。")
        assert len(calls) == 3
        monkeypatch.setattr(textdiff, "DIFF_VERSION", textdiff.DIFF_VERSION + 1)
        diff_tokens(old, new)
        assert len(calls) == 4


class TestPageBudget:
    def test_a_spent_page_budget_leaves_long_texts_unmarked_and_compares_short_ones(
        self, monkeypatch
    ) -> None:
        old, new = large_pair("english", edits=20)
        with textdiff.time_limit(0):
            long, short = compare_fields(
                {"a": old, "b": "pay by card"},
                {"a": new, "b": "pay by invoice"},
                [("a", "A"), ("b", "B")],
            )
        assert long.changed and long.granularity == textdiff.UNMARKED
        assert long.left == escape(old) and long.right == escape(new)
        assert short.granularity == textdiff.WORDS
        assert short.right == 'pay by <ins class="diff-ins">invoice</ins>'

    def test_a_limit_inside_another_does_not_extend_it(self) -> None:
        old, new = large_pair("chinese", edits=20)
        with textdiff.time_limit(0), textdiff.time_limit(60):
            assert textdiff.diff(old, new).granularity == textdiff.UNMARKED

    def test_what_the_page_budget_cut_short_is_cached_only_briefly(self, monkeypatch) -> None:
        monkeypatch.setattr(textdiff, "FALLBACK_CACHE_SECONDS", 0)
        calls = []
        compute = textdiff._compute
        monkeypatch.setattr(textdiff, "_compute", lambda *args: calls.append(1) or compute(*args))
        old, new = large_pair("english", edits=20)
        with textdiff.time_limit(0):
            assert textdiff.diff(old, new).granularity == textdiff.UNMARKED
        # A later view, with its own budget, compares the pair again, and keeps that.
        textdiff.diff(old, new)
        textdiff.diff(old, new)
        assert len(calls) == 2

    def test_field_stats_count_what_diff_stats_counts(self) -> None:
        old, new = large_pair("chinese", edits=20)
        fields = compare_fields(
            {"a": old, "b": "x"}, {"a": new, "b": "x"}, [("a", "A"), ("b", "B")]
        )
        assert fields[0].stats() == diff_stats(old, new) != (0, 0)
        assert fields[1].stats() == (0, 0) and fields[1].ops == [("equal", "x")]
