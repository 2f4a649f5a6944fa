"""RFC 7591 dynamic client registration for MCP clients (ChatGPT apps, Claude connectors): DOT's view, narrowed.

Off unless OAUTH_DYNAMIC_REGISTRATION=1 (DOT's DCR_ENABLED). What a client may register: the
authorization-code grant (with refresh tokens), the response type `code`, callback URLs that the
GPT-client admin would accept too; every registered client must use PKCE (the validator's
is_pkce_required). Anyone may register, so registrations are rate-limited per address.

RFC 7592's management of a registration (read, update, delete, with the registration access token):
an update meets the same rules, and keeps the client's name (issue 21, finding 5).
"""

from __future__ import annotations

import json
from typing import Any

from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.models import AbstractApplication
from oauth2_provider.views import DynamicClientRegistrationManagementView, DynamicClientRegistrationView

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


def name_refusal(metadata: Any, application: AbstractApplication) -> JsonResponse | None:
    """The error for an update that renames the client, or None.

    The consent page shows the name the client chose; a client approved as "Claude" must not become
    "ChatGPT" afterwards. RFC 7592 section 2.2 has the client send all of its metadata again, so the
    current name comes back unchanged in a legitimate update.
    """
    if isinstance(metadata, dict) and metadata.get("client_name", "") != application.name:
        return _refusal(
            "invalid_client_metadata",
            "client_name cannot change after registration: register a new client under the new name.",
        )
    return None


def _metadata(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except ValueError:
        return None  # DOT answers invalid_client_metadata itself


class McpClientRegistrationView(DynamicClientRegistrationView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        budget = registration_budget(request)
        if not budget.take():
            response = _refusal("too_many_requests", "Too many client registrations from this address.", 429)
            response["Retry-After"] = str(budget.wait())
            return response
        return registration_refusal(_metadata(request)) or super().post(request, *args, **kwargs)


class McpClientManagementView(DynamicClientRegistrationManagementView):
    """RFC 7592: an update (PUT) meets registration's rules and keeps the name; read and delete are DOT's."""

    def put(self, request: HttpRequest, client_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        # DOT's put() authenticates and then stores the metadata, with no hook in between. Authenticating
        # here first, with DOT's own method, answers 401 before any 400 and gives the rules the client
        # being changed; DOT's put() then authenticates again and applies its own checks.
        auth = self._authenticate_registration_request(request, client_id)
        if isinstance(auth, HttpResponse):
            return auth
        metadata = _metadata(request)
        refusal = registration_refusal(metadata) or name_refusal(metadata, auth.application)
        return refusal or super().put(request, client_id, *args, **kwargs)
