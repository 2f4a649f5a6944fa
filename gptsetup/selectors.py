"""Reads: the schema as the GPT editor imports it (for the lint)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request


def action_schema(request: HttpRequest | None) -> dict[str, Any]:
    """The schema as /api/schema/ serves it (all enabled auth styles) to request's host (None: no request)."""
    schema_request = None
    if request is not None:
        # A bare GET for the host alone: the page's own query (?auth=…) must not narrow the schema.
        bare = HttpRequest()
        bare.method = "GET"
        bare.META["HTTP_HOST"] = request.get_host()
        schema_request = Request(bare)
    return SchemaGenerator().get_schema(request=schema_request, public=True)
