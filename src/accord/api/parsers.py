"""The API's JSON parser: DRF's, with bounds on a body's size and nesting depth.

DRF reads a JSON body straight from the request, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE,
and Python's json module recurses once per level of nesting, so a body nested a few thousand
levels deep ran out of stack (a 500). No input of the API nests deeper than a handful of
levels; both bounds are refused with a 400 in the API's error format before anything else
reads the body.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


class BodyTooLarge(ParseError):
    default_detail = _("The request body is too large.")
    default_code = "body_too_large"


class NestedTooDeep(ParseError):
    default_detail = _("The request body is nested too deeply.")
    default_code = "nested_too_deep"


def depth_of(data: Any) -> int:
    """How deeply lists and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """JSON bodies of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, nested at most `max_depth`
    levels (the outermost object is level 1)."""

    max_depth = 32

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            return None
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge()
        parse_constant = json.strict_constant if self.strict else None
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:
            raise NestedTooDeep() from exc
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if depth_of(data) > self.max_depth:
            raise NestedTooDeep()
        return data
