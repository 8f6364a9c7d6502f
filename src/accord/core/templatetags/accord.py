"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from accord.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """Rich text, rendered and sanitised."""
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
