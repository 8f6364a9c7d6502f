"""Template helpers of the project pages."""

from __future__ import annotations

from django import template

from accord.projects.selectors import action_label

register = template.Library()


@register.filter(name="action_words")
def action_words(code: str) -> str:
    """An audit action code (`milestone.updated`) in words, in the user's language."""
    return action_label(code)


@register.filter(name="get_item")
def get_item(mapping: dict, key: object) -> object:
    """`mapping[key]` for templates; None when absent."""
    return mapping.get(key) if mapping else None
