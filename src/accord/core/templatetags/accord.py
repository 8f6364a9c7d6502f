"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.safestring import SafeString

from accord.core.markdown import render_markdown

register = template.Library()

# Pages show the same texts again and again, and rendering one costs more than the rest of a
# row: keep the latest results per process. Only texts up to this length, so the cache stays
# within a few megabytes whatever is written.
MARKDOWN_CACHE_SIZE = 128
MARKDOWN_CACHE_MAX_TEXT = 3_000


@lru_cache(maxsize=MARKDOWN_CACHE_SIZE)
def _render_markdown_cached(text: str) -> SafeString:
    return render_markdown(text)


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Rich text, rendered and sanitised (the result depends on the text alone)."""
    if text and len(text) <= MARKDOWN_CACHE_MAX_TEXT:
        return _render_markdown_cached(str(text))
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced; keeps filters when paging."""
    request = context["request"]
    params = request.GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
