from accord.core.markdown import render_markdown


def test_it_renders_common_markdown() -> None:
    html = render_markdown("# 目标\n\n**bold** and a [link](https://example.com)\n\n- one\n- two")
    assert "<h1>目标</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


def test_it_strips_scripts_and_event_handlers() -> None:
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(1)">\n\nok')
    assert "<script" not in html
    assert "&lt;script&gt;" in html  # shown as text, never run
    assert "<img" not in html
    assert "ok" in html


def test_it_drops_javascript_links() -> None:
    html = render_markdown("[click](javascript:alert(1))")
    assert "href" not in html


def test_it_renders_tables() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


def test_empty_text_renders_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
