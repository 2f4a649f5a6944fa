"""RFC 7591 dynamic client registration for MCP clients (ChatGPT apps, Claude connectors): DOT's view, narrowed.

Off unless OAUTH_DYNAMIC_REGISTRATION=1 (DOT's DCR_ENABLED). What a client may register: the
authorization-code grant (with refresh tokens), the response type `code`, callback URLs that the
GPT-client admin would accept too; every registered client must use PKCE (the validator's
is_pkce_required). Anyone may register, so registrations are rate-limited per address.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.views import DynamicClientRegistrationView
from rest_framework.throttling import AnonRateThrottle

from oauthconsent.callback_urls import callback_url_check

GRANT_TYPES = {"authorization_code", "refresh_token"}
REGISTRATION_RATE = "20/hour"


class RegistrationThrottle(AnonRateThrottle):
    scope = "oauth_registration"
    rate = REGISTRATION_RATE

    def get_rate(self) -> str:
        return self.rate


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
        throttle = RegistrationThrottle()
        if not throttle.allow_request(request, self):
            response = _refusal("too_many_requests", "Too many client registrations from this address.", 429)
            response["Retry-After"] = str(int(throttle.wait() or 1))
            return response
        try:
            metadata = json.loads(request.body)
        except ValueError:
            metadata = None
        return registration_refusal(metadata) or super().post(request, *args, **kwargs)
