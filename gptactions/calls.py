"""Calls as the call log sees them: who called (as labels), and how a registered view's call ended.

The platform's lowest app knows no call log. A recorder (gptcalllog's, connected in its AppConfig.ready)
plugs in with `connect_recorder`; every front door reports through `record_call`, and the registry wraps
each REST route's view with `recorded_view`, which sees every outcome of a call, the 401s, 403s and 429s
decided before the view's handler included. It reads what DRF already worked out (the authenticator, the
user, the action) without authenticating again. What it stores about the caller comes from here, since
this app owns the auth styles and the keys: the style that authenticated (or was refused), and the key or
OAuth client as a label (credential_of), never a key, token or body.

Recording costs the request thread a tuple and an append (issue 20, Build item 3): `recorded_view` keeps the
raw pieces of a call (a RestCall: the authenticator's class, the key or token object, the response's data)
and the recorder's writer thread turns them into the log's fields with RestCall.fields(). What must not wait
is worked out at once: a refused key's prefix (the raw key must not outlive the request), ChatGPT's ids
(request.META holds the credentials) and, for a caller no one authenticated, the client address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from time import perf_counter, time
from typing import Any, NamedTuple, Protocol

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject
from oauth2_provider.models import AbstractAccessToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from gptactions.auth_styles import AUTH_STYLES
from gptactions.authentication import ApiKeyAuthentication, OAuthTokenAuthentication, authorization_credentials
from gptactions.keys import KEY_PREFIX, is_well_formed, stored_prefix
from gptactions.models import ApiKey
from gptactions.registry import Resource, site

STYLE_OF_CLASS = {style.authentication_class: name for name, style in AUTH_STYLES.items()}

# Call field <- request.META key of ChatGPT's headers (sent by ChatGPT, undocumented by OpenAI).
OPENAI_HEADERS = {
    "conversation_id": "HTTP_OPENAI_CONVERSATION_ID",
    "ephemeral_user_id": "HTTP_OPENAI_EPHEMERAL_USER_ID",
    "gpt_id": "HTTP_OPENAI_GPT_ID",
}
KEY, CLIENT = "key", "client"  # Credential.kind
REST, MCP = "api", "mcp"  # the doors


@dataclass(frozen=True)
class Credential:
    """Who called, as a label that outlives the key or client: never the key, secret or token itself."""

    kind: str  # KEY or CLIENT
    id: str  # the key's prefix (gpta_ + 8 characters) or the OAuth client_id
    name: str = ""  # the key's or the client's name


OPENAI_META_KEYS = tuple(OPENAI_HEADERS.values())


def openai_ids(meta: Mapping[str, Any]) -> dict[str, str]:
    """ChatGPT's conversation, ephemeral user and GPT ids from request.META (those present)."""
    return {field: meta[key] for field, key in OPENAI_HEADERS.items() if key in meta}


class RestCall(NamedTuple):
    """A REST call's raw pieces, as recorded_view keeps them; fields() gives record_call's fields.

    Each piece keeps its meaning after the response: classes, the view's action name, the key or
    access token and user objects the request authenticated with (their labels are read when the call
    is written, a second later at most), the response's data. Never the request, its headers or a secret.
    """

    at: float  # time.time()
    method: str
    path: str
    status: int
    latency_ms: float
    viewset: type | None
    action: str | None
    authenticator: type | None  # the class that authenticated the caller, None when no one was
    auth: Any  # request.auth: an ApiKey or an access token
    user: Any  # the authenticated user, None when no one was
    refused: tuple[str, Credential | None] | None  # a 401's style and well-formed key prefix (refused_credential)
    data: Any  # the response's data, for a failure's message
    oauth2_error: Mapping[str, str] | None  # why DOT refused a token
    error: str  # an exception's class name
    openai: tuple[str | None, ...]  # the values of OPENAI_HEADERS' keys in request.META, None when absent
    client_address: str | None  # only when no one was authenticated

    def fields(self) -> dict[str, Any]:
        """The keyword arguments of record_call (gptcalllog.recorder) for this call."""
        if self.authenticator is not None:
            auth_style, credential = STYLE_OF_CLASS.get(self.authenticator, ""), credential_of(self.auth)
        else:
            auth_style, credential = self.refused or ("", None)
        # Only the registration's actions: a refused method (PUT, 405) names none.
        spec = site.action_spec(self.viewset, self.action) if self.viewset is not None else None
        error = self.error
        if not error and self.status >= 400:
            error = (self.oauth2_error or {}).get("error_description") or error_message(self.data)
        return {
            "door": REST,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "operation_id": spec.operation_id if spec else "",
            "auth_style": auth_style,
            "credential": credential,
            "user": self.user,
            "error": error,
            "openai": {field: value for field, value in zip(OPENAI_HEADERS, self.openai, strict=True) if value},
            "at": datetime.fromtimestamp(self.at, UTC),
            "client_address": self.client_address,
        }


class Recorder(Protocol):
    @property
    def enabled(self) -> bool: ...

    def __call__(self, **call: Any) -> None: ...

    def record_rest_call(self, call: RestCall) -> None:
        """Keep call (its fields worked out later with call.fields(), off the request thread if it can)."""


_recorders: list[Recorder] = []


def connect_recorder(recorder: Recorder) -> None:
    """Have recorder(door=…, method=…, path=…, status=…, latency_ms=…, …) called for every call."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def recording() -> bool:
    for recorder in _recorders:  # not any() of a generator: every REST call asks
        if recorder.enabled:
            return True
    return False


def record_call(**call: Any) -> None:
    """Report one call (see gptcalllog.recorder.record_call for the fields) to every connected recorder."""
    for recorder in _recorders:
        recorder(**call)


def record_rest_call(call: RestCall) -> None:
    for recorder in _recorders:
        recorder.record_rest_call(call)


def credential_of(auth: Any) -> Credential | None:
    """The label of an API key (its prefix and name) or of an OAuth token's GPT client (client_id and name)."""
    if isinstance(auth, ApiKey):
        return Credential(KEY, auth.prefix, auth.name)
    if isinstance(auth, AbstractAccessToken) and auth.application is not None:
        return Credential(CLIENT, auth.application.client_id, auth.application.name)
    return None


def refused_credential(request: Request) -> tuple[str, Credential | None]:
    """The style of credentials that authenticated no one, and the key's prefix when it is a well-formed key.

    Only on a 401: the first enabled class that recognises the credentials as its own names the style.
    """
    for authenticator in request.authenticators:
        style = STYLE_OF_CLASS.get(type(authenticator), "")
        if isinstance(authenticator, ApiKeyAuthentication):
            try:
                raw_key = authenticator.get_raw_key(request)
            except AuthenticationFailed:
                return style, None
            if raw_key is not None:
                known = is_well_formed(raw_key)
                return style, Credential(KEY, stored_prefix(raw_key)) if known else None
        elif isinstance(authenticator, OAuthTokenAuthentication):
            token = authorization_credentials(request, "bearer")
            if token and not token.startswith(KEY_PREFIX):
                return style, None
    return "", None


def error_message(data: Any) -> str:
    """The server's own message of a failed call: `detail`, or each invalid field with its messages."""
    if isinstance(data, dict):
        if "detail" in data:
            return str(data["detail"])
        return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in data.items())
    if isinstance(data, list):
        return " ".join(map(str, data))
    return ""


def recorded_view(view: Callable[..., HttpResponseBase], resource: Resource) -> Callable[..., HttpResponseBase]:
    """view (a registered viewset's REST route), each call reported with record_call; the view is unchanged."""

    @wraps(view)
    def recorded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not recording():
            return view(request, *args, **kwargs)
        started = perf_counter()
        try:
            response = view(request, *args, **kwargs)
        except Exception as exc:
            # The exception's class only: its message may quote data.
            _record_rest_call(request, None, started, resource, error=type(exc).__name__)
            raise
        _record_rest_call(request, response, started, resource)
        return response

    return recorded


def _record_rest_call(
    http_request: HttpRequest,
    response: HttpResponseBase | None,
    started: float,
    resource: Resource,
    *,
    error: str = "",
) -> None:
    latency_ms = (perf_counter() - started) * 1000
    status = 500 if response is None else response.status_code
    context = getattr(response, "renderer_context", None) or {}
    request, view = context.get("request"), context.get("view")
    # DRF's private attributes: set once authentication ran, and reading them never runs it again.
    authenticator = getattr(request, "_authenticator", None)
    refused = client_address = user = None
    if response is None:
        # The view raised, so DRF's request is out of reach; DRF set the user it authenticated on Django's own
        # (Request.user's setter): an authenticated caller's 500 keeps its row and user.
        user = http_request.__dict__.get("user")
        if isinstance(user, SimpleLazyObject) or not getattr(user, "is_authenticated", False):
            user = None
    if authenticator is None and user is None:
        if status == 401 and isinstance(request, Request):
            refused = refused_credential(request)
        # No one to name: the log counts such calls per address (gptcalllog), as the limits do.
        client_address = get_client_ip_address(http_request)
    # tuple.__new__ rather than RestCall(...): the same object without the Python-level __new__ of a NamedTuple
    # (0.27 µs instead of 0.37 on the request thread).
    record_rest_call(
        tuple.__new__(
            RestCall,
            (
                time(),
                http_request.method,
                http_request.path,
                status,
                latency_ms,
                resource.viewset if view is not None else None,
                getattr(view, "action", None),
                type(authenticator) if authenticator is not None else None,
                request._auth if authenticator is not None else None,
                request._user if authenticator is not None else user,
                refused,
                getattr(response, "data", None) if status >= 400 else None,
                getattr(request or http_request, "oauth2_error", None) if status >= 400 else None,
                error,
                tuple(map(http_request.META.get, OPENAI_META_KEYS)),
                client_address,
            ),
        )
    )
