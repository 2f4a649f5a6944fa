"""RFC 7591 dynamic client registration for MCP clients (ChatGPT apps, Claude connectors): DOT's view, narrowed.

Off unless OAUTH_DYNAMIC_REGISTRATION=1 (DOT's DCR_ENABLED). What a client may register: the
authorization-code grant (with refresh tokens), the response type `code`, callback URLs that the
GPT-client admin would accept too; every registered client must use PKCE (the validator's
is_pkce_required). Anyone may register, so registrations are rate-limited per address.
"""

from __future__ import annotations

import json
from typing import Any

from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import DynamicClientRegistrationView

from gptactions.ratelimit import Budget, parse_rate
from oauthconsent.callback_urls import callback_url_check

GRANT_TYPES = {"authorization_code", "refresh_token"}
REGISTRATION_RATE = "20/hour"


def registration_budget(request: HttpRequest) -> Budget:
    """REGISTRATION_RATE registrations per client address (django-axes' address, as every limit's)."""
    limit, period = parse_rate(REGISTRATION_RATE)
    return Budget(f"oauth_registration_{get_client_ip_address(request)}", limit, period)


def _refusal(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def registration_refusal(metadata: Any) -> JsonResponse | None:
    """RFC 7591 section 3.2.2's error for metadata this server does not register, or None."""
    if not isinstance(metadata, dict):
        return None  # DOT answers invalid_client_metadata itself
    grant_types = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grant_types, list) or "authorization_code" not in grant_types or set(grant_types) - GRANT_TYPES:
        return _refusal(
            "invalid_client_metadata",
            "Only the authorization_code grant (with refresh_token) can be registered, and it requires PKCE.",
        )
    if set(metadata.get("response_types", ["code"])) - {"code"}:
        return _refusal("invalid_client_metadata", "Only the response type code can be registered.")
    for url in metadata.get("redirect_uris", []):
        try:
            callback_url_check(str(url))
        except ValidationError as error:
            return _refusal("invalid_redirect_uri", " ".join(error.messages))
    return None


class McpClientRegistrationView(DynamicClientRegistrationView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        budget = registration_budget(request)
        if not budget.take():
            response = _refusal("too_many_requests", "Too many client registrations from this address.", 429)
            response["Retry-After"] = str(budget.wait())
            return response
        try:
            metadata = json.loads(request.body)
        except ValueError:
            metadata = None
        return registration_refusal(metadata) or super().post(request, *args, **kwargs)
