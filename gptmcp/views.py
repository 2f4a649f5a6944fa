"""/mcp: DRF authenticates (API keys as Bearer, OAuth access tokens), the tool's scope is checked, the SDK answers."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.www_authenticate import build_bearer_challenge
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from gptactions.auth_styles import enabled_auth_styles
from gptactions.authentication import REALM
from gptactions.calls import openai_ids
from gptactions.parsers import RequestTooLarge
from gptactions.permissions import missing_scope_message
from gptactions.public_url import public_base_url
from gptactions.throttling import UserRateLimit
from gptmcp.bridge import sdk_response
from gptmcp.calls import ToolCall, tool_call_finished
from gptmcp.metadata import resource_metadata_url
from gptmcp.origins import origin_allowed
from gptmcp.server import Actor
from gptmcp.tools import tools

# The auth styles an MCP client can use: what it sends is `Authorization: Bearer …`.
MCP_AUTH_STYLES = ("bearer", "oauth")


def _called_tools(body: bytes) -> list[str]:
    """The tools a tools/call message (or a batch of them) names; the SDK answers malformed bodies itself.

    Absurd nesting is refused here, as the REST API's parser refuses it: json raises RecursionError.
    """
    try:
        message = json.loads(body)
    except ValueError:
        return []
    except RecursionError:
        raise ParseError(_("JSON parse error - nested too deeply.")) from None
    messages = message if isinstance(message, list) else [message]
    names = []
    for each in messages:
        if isinstance(each, dict) and each.get("method") == "tools/call" and isinstance(each.get("params"), dict):
            names.append(str(each["params"].get("name", "")))
    return names


# What a tool's view request keeps of the /mcp request: where it came in, and from whom.
_VIEW_ENVIRON = (
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "REMOTE_ADDR",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_ACCEPT_LANGUAGE",
    "wsgi.url_scheme",
)


def _view_environ(request: HttpRequest) -> dict[str, Any]:
    return {
        **{name: request.META[name] for name in _VIEW_ENVIRON if name in request.META},
        "wsgi.url_scheme": request.scheme,
    }


def client_label(credential: Any) -> str:
    application = getattr(credential, "application", None)
    if application is not None:
        return application.name or application.client_id
    return getattr(credential, "name", "") or type(credential).__name__


class UnparsedBody(BaseParser):
    """Leaves the body to the SDK (which answers malformed JSON-RPC itself), whatever its media type."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict:
        return {}


class McpView(APIView):
    schema = None  # not an operation of the REST API's OpenAPI schema
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateLimit]  # one budget per user across both front doors: see get_throttles
    parser_classes = [UnparsedBody]
    # Stateless: no session to DELETE, and no stream on GET (the spec's answer for that is 405).
    http_method_names = ["post", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: a page on another site must learn nothing, not even the challenge.
        if not origin_allowed(request):
            raise PermissionDenied(
                _("Calls to /mcp from the web page at %(origin)s are not allowed.")
                % {"origin": request.headers["Origin"]}
            )
        super().initial(request, *args, **kwargs)

    def get_throttles(self) -> list[BaseThrottle]:
        # A tool call is counted by its action's own view, which runs it (gptmcp.tools); counting it here
        # too would halve the user's budget over MCP.
        if _called_tools(self.request._request.body):
            return []
        return super().get_throttles()

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [style.authentication_class() for style in enabled_auth_styles() if style.name in MCP_AUTH_STYLES]

    def get_authenticate_header(self, request: Request) -> str:
        """RFC 9728: the challenge names the protected-resource metadata, where clients start OAuth."""
        return build_bearer_challenge(
            request,
            oauth2_error=getattr(request, "oauth2_error", None) or None,
            realm=REALM,
            resource_metadata_url=resource_metadata_url(public_base_url(request)),
        )

    def post(self, request: Request) -> HttpResponse:
        try:
            body = request._request.body
        except RequestDataTooBig:
            raise RequestTooLarge from None
        actor = Actor(
            user=request.user,
            credential=request.auth,
            client=client_label(request.auth),
            openai=openai_ids(request.META),
            environ=_view_environ(request._request),
        )
        available = tools()
        for name in _called_tools(body):
            tool = available.get(name)
            if tool is not None and not actor.allows(tool.scope):
                return self._insufficient_scope(request, actor, name, tool.scope)
        return sdk_response(request._request, body, actor)

    def _insufficient_scope(self, request: Request, actor: Actor, tool: str, scope: str) -> HttpResponse:
        """RFC 6750 section 3.1, as the MCP authorization spec asks: 403 naming the scope needed."""
        message = missing_scope_message(scope)
        tool_call_finished(
            ToolCall(
                actor.client, actor.user, tool, "denied", 0.0, actor.credential, error=message, openai=actor.openai
            )
        )
        response = HttpResponse(json.dumps({"detail": message}), status=403, content_type="application/json")
        response["WWW-Authenticate"] = build_bearer_challenge(
            request,
            oauth2_error={"error": "insufficient_scope", "error_description": message, "scope": scope},
            realm=REALM,
            resource_metadata_url=resource_metadata_url(public_base_url(request)),
        )
        return response
