"""A form renderer that writes the commonest widgets (inputs, selects) in Python.

Django renders every widget, and every option of a select, through its own template; a filter
bar with a few selects thus costs dozens of template renders per page. The HTML written here is
the same as Django's templates produce (attributes, escaping, optgroups); every other widget still
goes through its template.
"""

from __future__ import annotations

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

INPUT = "django/forms/widgets/input.html"
INPUT_TEMPLATES = {
    INPUT,
    "django/forms/widgets/text.html",
    "django/forms/widgets/search.html",
    "django/forms/widgets/number.html",
    "django/forms/widgets/email.html",
    "django/forms/widgets/url.html",
    "django/forms/widgets/date.html",
    "django/forms/widgets/hidden.html",
    "django/forms/widgets/password.html",
}
SELECT_TEMPLATES = {"django/forms/widgets/select.html"}
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def attrs_html(attrs: dict[str, Any]) -> SafeString:
    """Like django/forms/widgets/attrs.html: False left out, True as a bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(format_html(" {}", name))
        else:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return mark_safe("".join(parts))  # noqa: S308 (every part is escaped by format_html)


def _input(widget: dict[str, Any]) -> SafeString:
    value = widget["value"]
    value_html = format_html(' value="{}"', str(value)) if value is not None else ""
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        value_html,
        attrs_html(widget["attrs"]),
    )


def _text(value: Any) -> str:
    """Escaped like Django's escape() (& < > " '), without its lazy-string machinery: a select
    of a big project has thousands of options."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value), quote=True)


def _option(option: dict[str, Any]) -> str:
    attrs = option["attrs"]
    return '<option value="{}"{}>{}</option>'.format(
        _text(option["value"]), attrs_html(attrs) if attrs else "", _text(option["label"])
    )


def _select(widget: dict[str, Any]) -> SafeString:
    body = []
    for group_name, group_choices, _index in widget["optgroups"]:
        if any(option["template_name"] != OPTION_TEMPLATE for option in group_choices):
            return SafeString()  # an unusual option template: let Django's templates do it
        options = "".join(_option(option) for option in group_choices)
        if group_name:
            body.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, mark_safe(options))  # noqa: S308
            )
        else:
            body.append(options)
    return format_html(
        '<select name="{}"{}>{}</select>',
        widget["name"],
        attrs_html(widget["attrs"]),
        mark_safe("".join(body)),  # noqa: S308 (built from format_html parts)
    )


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with inputs and selects written directly."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return _input(widget)
            if template_name in SELECT_TEMPLATES:
                html = _select(widget)
                if html:
                    return html
        return super().render(template_name, context, request=request)
