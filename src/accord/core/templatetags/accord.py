"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from accord.core.markdown import render_markdown

register = template.Library()

# Reversing a URL costs about as much as the rest of a table cell, and a page asks for the
# same few again and again: keep the latest results per process.
URL_CACHE_SIZE = 2_048


@lru_cache(maxsize=URL_CACHE_SIZE)
def _reverse_cached(
    view_name: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    current_app: str | None,
    urlconf: str | None,
    script_prefix: str,
    language: str | None,
) -> str:
    """`reverse()`, memoised on everything its answer depends on: the arguments, the URLconf
    and script prefix of the request, and the language (for translated URL patterns)."""
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _plain(value: object) -> bool:
    # Only values whose text cannot change (a template's literals are safe strings, a str
    # subclass): a model instance or a lazy string is reversed anew.
    return isinstance(value, str) or type(value) is int


def reverse_for_template(view_name, args, kwargs, current_app) -> str:
    if (
        isinstance(view_name, str)
        and all(_plain(arg) for arg in args)
        and all(_plain(value) for value in kwargs.values())
    ):
        return _reverse_cached(
            view_name,
            tuple(args),
            tuple(sorted(kwargs.items())),
            current_app,
            get_urlconf(),
            get_script_prefix(),
            get_language(),
        )
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class CachedURLNode(URLNode):
    """Django's `{% url %}`, answering from the cache above."""

    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse_for_template(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag(name="url")
def url_tag(parser: template.base.Parser, token: template.base.Token) -> CachedURLNode:
    """Replaces the built-in `{% url %}` in every template (this library is a builtin loaded
    after Django's): same syntax and output, parsed by Django's own tag."""
    node = django_url_tag(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


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
