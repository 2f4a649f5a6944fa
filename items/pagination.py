from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class ItemPagination(PageNumberPagination):
    # 50 items of at most ~1,300 characters each stays well under ChatGPT's 100,000-character response limit.
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 50
