"""The builtin template helpers: `{% url %}` answered from a cache, `|markdown` memoised."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from accord.core.markdown import render_markdown
from accord.core.templatetags import accord as tags


def render(source: str, **context: object) -> str:
    """Through the project's engine, where `accord` is a builtin."""
    return Template(source).render(Context(context))


def render_with_django(source: str, **context: object) -> str:
    """The same template through an engine with Django's own `{% url %}` only."""
    return Engine().from_string(source).render(Context(context))


class Renamed:
    """An argument whose text changes: a model instance is such a value."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


@pytest.fixture(autouse=True)
def _fresh_cache():
    tags._reverse_cached.cache_clear()
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'projects:list' %}",
        "{% url 'projects:overview' key %}",
        "{% url 'projects:overview' key=key %}",
        "{% url 'projects:milestone-detail' key 7 %}",
        "{% url 'projects:milestone-detail' key=key number=number %}",
        "{% url 'projects:overview' odd %}",
        "{% url 'projects:overview' key as there %}[{{ there }}]",
        "{% url 'no-such-page' as there %}[{{ there }}]",
    ],
)
def test_it_renders_what_djangos_tag_renders(source: str) -> None:
    context = {"key": "ACME", "number": 7, "odd": "A&B <x>"}
    expected = render_with_django(source, **context)
    assert render(source, **context) == expected
    assert render(source, **context) == expected  # and again, from the cache
    assert expected.strip("[]") or "no-such-page" in source


def test_a_repeated_url_is_reversed_once() -> None:
    for _ in range(3):
        assert render("{% url 'projects:overview' 'ACME' %}") == "/p/ACME/"
    info = tags._reverse_cached.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_an_unknown_page_is_still_an_error() -> None:
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")
    with pytest.raises(NoReverseMatch):
        render("{% url 'projects:overview' %}")


def test_the_script_prefix_of_the_request_is_part_of_the_answer() -> None:
    assert render("{% url 'projects:overview' 'ACME' %}") == "/p/ACME/"
    set_script_prefix("/accord/")
    assert render("{% url 'projects:overview' 'ACME' %}") == "/accord/p/ACME/"
    assert reverse("projects:overview", args=["ACME"]) == "/accord/p/ACME/"


def test_arguments_whose_text_can_change_are_not_cached() -> None:
    project = Renamed("ACME")
    assert render("{% url 'projects:overview' p %}", p=project) == "/p/ACME/"
    project.text = "BETA"
    assert render("{% url 'projects:overview' p %}", p=project) == "/p/BETA/"
    assert tags._reverse_cached.cache_info().currsize == 0


def test_markdown_renders_and_sanitises_like_render_markdown() -> None:
    text = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
    first = render("{{ text|markdown }}", text=text)
    assert first == render_markdown(text)
    assert "<strong>bold</strong>" in first
    assert "<script" not in first and "&lt;script&gt;" in first
    assert 'href="javascript' not in first
    assert render("{{ text|markdown }}", text=text) == first


def test_long_markdown_texts_are_rendered_without_being_kept() -> None:
    tags._render_markdown_cached.cache_clear()
    text = "word " * (tags.MARKDOWN_CACHE_MAX_TEXT // 5 + 1)
    assert render("{{ text|markdown }}", text=text) == render_markdown(text)
    assert tags._render_markdown_cached.cache_info().currsize == 0
    assert render("{{ text|markdown }}", text="") == ""
    assert render("{{ text|markdown }}", text=None) == ""
