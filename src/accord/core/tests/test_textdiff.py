from __future__ import annotations

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
