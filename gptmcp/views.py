"""/mcp: DRF authenticates (API keys as Bearer, OAuth access tokens), the tool's scope is checked, the SDK answers."""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from typing import Any

import mcp_types as types
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from oauth2_provider.www_authenticate import build_bearer_challenge
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from gptactions.auth_styles import enabled_auth_styles, refused_token_failure
from gptactions.authentication import REALM
from gptactions.calls import openai_ids
from gptactions.parsers import RequestTooLarge
from gptactions.permissions import missing_scope_message
from gptactions.public_url import public_base_url
from gptactions.throttling import UserRateLimit
from gptactions.unavailable import DATABASE_ERRORS, MESSAGE, outage, unavailable
from gptmcp.authentication import McpTokenAuthentication
from gptmcp.bridge import mcp_response
from gptmcp.calls import ToolCall, tool_call_finished
from gptmcp.documents import all_tools
from gptmcp.metadata import resource_metadata_url
from gptmcp.origins import cors_headers, is_preflight, origin_allowed, preflight_headers
from gptmcp.server import Actor

# The auth styles an MCP client can use: what it sends is `Authorization: Bearer …`.
MCP_AUTH_STYLES = ("bearer", "oauth")


def _decoded(body: bytes) -> Any:
    """The body as JSON, or None when it is none; the SDK answers malformed bodies itself.

    Integers stay text here: a 5,000-digit one is past Python's int conversion limit, and it is the
    tool's to refuse with a clean error (gptmcp.tools), not this parse's. Absurd nesting is refused
    here, as the REST API's parser refuses it: json raises RecursionError.
    """
    try:
        return json.loads(body, parse_int=str)
    except ValueError:
        return None
    except RecursionError:
        raise ParseError(_("JSON parse error - nested too deeply.")) from None


@functools.lru_cache(maxsize=1)  # the throttle's question and post's are about the same body
def _called_tools(body: bytes) -> tuple[str, ...]:
    """The tool a tools/call message names (none for any other message; batches are refused before the SDK)."""
    message = _decoded(body)
    if isinstance(message, dict) and message.get("method") == "tools/call" and isinstance(message.get("params"), dict):
        return (str(message["params"].get("name", "")),)
    return ()


def jsonrpc_error(status: int, code: int, message: str) -> HttpResponse:
    """A JSON-RPC error answering a body the SDK is not given (no request id is known: null, as JSON-RPC says)."""
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


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


class AcceptIgnored(BaseContentNegotiation):
    """/mcp's own answers (401, 403, 405, 429) are JSON whatever Accept says.

    The SDK judges Accept for what it answers (406 when a POST does not accept JSON); DRF's negotiation,
    which runs before the method check, would answer a GET asking for text/event-stream 406 instead of
    the 405 the transport spec asks for (issue 19).
    """

    def select_parser(self, request: Request, parsers: list[BaseParser]) -> BaseParser:
        return parsers[0]

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class McpView(APIView):
    schema = None  # not an operation of the REST API's OpenAPI schema
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateLimit]  # one budget per user across both front doors: see get_throttles
    parser_classes = [UnparsedBody]
    content_negotiation_class = AcceptIgnored
    # Stateless: no session to DELETE, and no stream on GET (the spec's answer for that is 405).
    http_method_names = ["post", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: a page on another site must learn nothing, not even the challenge.
        if not origin_allowed(request):
            raise PermissionDenied(
                _("Calls to /mcp from the web page at %(origin)s are not allowed.")
                % {"origin": request.headers["Origin"]}
            )
        if request.method.lower() not in self.http_method_names:
            # 405 (with Allow) whoever asks: there is nothing to authenticate a GET or DELETE for.
            self.http_method_not_allowed(request)
        if is_preflight(request):
            return  # a browser's CORS preflight never carries credentials (Fetch standard): options() answers it
        super().initial(request, *args, **kwargs)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if is_preflight(request):
            return HttpResponse(status=HTTPStatus.NO_CONTENT, headers=preflight_headers())
        return super().options(request, *args, **kwargs)

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Every answer to an allowed page, 401 included: a browser client reads WWW-Authenticate to start OAuth.
        for name, value in cors_headers(request).items():
            response[name] = value
        patch_vary_headers(response, ["Origin"])
        return response

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        # Authentication found the database down (gptactions.unavailable): a JSON-RPC error, as the door's others.
        if isinstance(exc, DATABASE_ERRORS):
            outage.failed(exc)
            return unavailable(jsonrpc_error(HTTPStatus.SERVICE_UNAVAILABLE, types.INTERNAL_ERROR, str(MESSAGE)))
        return super().handle_exception(exc)

    def permission_denied(self, request: Request, message: str | None = None, code: str | None = None) -> None:
        failure = refused_token_failure(request)
        if failure is not None:
            raise failure
        super().permission_denied(request, message=message, code=code)

    def get_throttles(self) -> list[BaseThrottle]:
        # A tool call is counted by its action's own view, which runs it (gptmcp.tools); counting it here
        # too would halve the user's budget over MCP.
        if _called_tools(self.request._request.body):
            return []
        return super().get_throttles()

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [
            McpTokenAuthentication() if style.name == "oauth" else style.authentication_class()
            for style in enabled_auth_styles()
            if style.name in MCP_AUTH_STYLES
        ]

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
        if request._request.content_type.lower() != "application/json":
            return jsonrpc_error(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                types.INVALID_REQUEST,
                "Invalid Request: the body must be a JSON-RPC message sent as Content-Type: application/json.",
            )
        if isinstance(_decoded(body), list):
            # Batches: 2025-06-18 removed them and no client sends them; 2025-03-26, still negotiated, had
            # them, and a batch is refused as a whole rather than half-served (README, "Use it from ChatGPT apps").
            return jsonrpc_error(
                HTTPStatus.BAD_REQUEST,
                types.INVALID_REQUEST,
                "Invalid Request: JSON-RPC batches are not supported; send one message per POST.",
            )
        actor = Actor(
            user=request.user,
            credential=request.auth,
            client=client_label(request.auth),
            openai=openai_ids(request.META),
            environ=_view_environ(request._request),
            tools=all_tools(),
        )
        available = actor.tools
        for name in _called_tools(body):
            tool = available.get(name)
            missing = tool.missing_scope(actor.allows) if tool is not None else None
            if missing is not None:
                return self._insufficient_scope(request, actor, name, missing)
        return mcp_response(request._request, body, actor)

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
