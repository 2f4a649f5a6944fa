from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

MAX_DIGITS = 18  # a page or page size is at most 999,999,999,999,999,999


def _whole_number(request: Request, name: str, *, default: int, maximum: int | None = None) -> int:
    """The query parameter as the schema declares it (an integer from 1, up to maximum); a clear 400 otherwise.

    The message does not repeat what was sent: the call log keeps it, and never a call's arguments.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # More digits than MAX_DIGITS is no page anyone has (and past 4,300 digits int() itself refuses).
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS else 0
    if not 1 <= value <= (maximum or value):
        limits = f"from 1 to {maximum}" if maximum else "from 1"
        raise ValidationError({"detail": f"{name} must be a whole number {limits}; or leave it out."})
    return value


class ActionPagination(PageNumberPagination):
    """Pages as a model reads them: page and page_size validated with a clear 400, a 3.1-valid response schema."""

    # 50 rows of at most ~1,300 characters each stays well under ChatGPT's 100,000-character response limit.
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50
    invalid_page_message = "There is no such page: call again with a smaller page, or without page."

    def get_page_size(self, request: Request) -> int:
        return _whole_number(request, self.page_size_query_param, default=self.page_size, maximum=self.max_page_size)

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        return _whole_number(request, self.page_query_param, default=1)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """page and page_size as the API checks them (from 1; page_size up to max_page_size), for any list."""
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1; a page past the last one is an error.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records per page, 1 to {self.max_page_size}; {self.page_size} when left out.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # DRF's own says `nullable`, which OpenAPI 3.1 no longer has: a null `next` would not validate.
        page_url = {"type": ["string", "null"], "format": "uri", "example": None}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Items on all pages.", "example": 1},
                "next": {**page_url, "description": "URL of the next page; null on the last page."},
                "previous": {**page_url, "description": "URL of the previous page; null on the first page."},
                "results": schema,
            },
        }
