"""Reads: the schema as the GPT editor imports it (for the lint), and how far the setup got (the home page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request

from gptactions.conf import conf
from gptactions.public_url import public_base_url
from gptactions.selectors import active_api_key_count
from oauthconsent.selectors import gpt_clients


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


@dataclass(frozen=True)
class SetupState:
    """How far the builder got: what the home page shows a staff user."""

    base_url: str
    public_url_set: bool
    gpt_clients: int
    active_api_keys: int


def setup_state(request: HttpRequest) -> SetupState:
    return SetupState(
        base_url=public_base_url(request),
        public_url_set=bool(conf.PUBLIC_BASE_URL),
        gpt_clients=len(gpt_clients()),
        active_api_keys=active_api_key_count(),
    )
