from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

PAGE_SIZE_INVALID = _("Give a whole number of rows per page, 1 or more.")


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M` (at most 200 rows a page).

    DRF quietly falls back to the default size for a `page_size` it cannot read; a request
    that asked for something else gets a 400 naming `page_size` instead, so a client never
    mistakes a page of the default size for the one it asked for.
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        text = (request.query_params.get(self.page_size_query_param) or "").strip()
        if not text:
            return self.page_size
        # Digits only, and not all zeros.
        if not (text.isascii() and text.isdigit()) or not text.strip("0"):
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_INVALID]})
        # More than the most is the most, as the parameter's description says (a run of digits
        # too long to read as a size is more than the most).
        return min(int(text), self.max_page_size) if len(text) <= 12 else self.max_page_size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = str(
                    _("Rows per page (default %(default)s); more than %(most)s gives %(most)s.")
                    % {"most": self.max_page_size, "default": self.page_size}
                )
        return parameters
