from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination


class ItemPagination(PageNumberPagination):
    # 50 items of at most ~1,300 characters each stays well under ChatGPT's 100,000-character response limit.
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50

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
