"""The Items API's hook into the call log: CallLogMixin records every call of a view, failures included.

What the log stores about the caller comes from here, since items owns the auth styles and the keys:
the style that authenticated (or was refused), and the key or GPT client as a label (credential_of).
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from oauth2_provider.models import AbstractAccessToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from gptactions.auth_styles import AUTH_STYLES
from gptactions.authentication import ApiKeyAuthentication, OAuthTokenAuthentication, authorization_credentials
from gptactions.keys import KEY_PREFIX, is_well_formed, stored_prefix
from gptactions.models import ApiKey
from gptcalllog.conf import conf as call_log_conf
from gptcalllog.models import Call
from gptcalllog.recorder import Credential, openai_ids, record_call
from items.schema import OPERATION_IDS

STYLE_OF_CLASS = {style.authentication_class: name for name, style in AUTH_STYLES.items()}


def credential_of(auth: Any) -> Credential | None:
    """The label of an API key (its prefix and name) or of an OAuth token's GPT client (client_id and name)."""
    if isinstance(auth, ApiKey):
        return Credential(Call.CredentialKind.KEY, auth.prefix, auth.name)
    if isinstance(auth, AbstractAccessToken) and auth.application is not None:
        return Credential(Call.CredentialKind.CLIENT, auth.application.client_id, auth.application.name)
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
                return style, Credential(Call.CredentialKind.KEY, stored_prefix(raw_key)) if known else None
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


def failure_message(request: Request | HttpRequest, response: HttpResponseBase | None) -> str:
    """The response's message; for a refused OAuth token, why DOT refused it (expired, invalid, revoked)."""
    oauth2_error = getattr(request, "oauth2_error", None) or {}
    return oauth2_error.get("error_description") or error_message(getattr(response, "data", None))


class CallLogMixin:
    """Records each call of a DRF view in the call log (gptcalllog.record_call), the 401s and 429s included.

    Put it first among the view's bases. It reads what DRF already worked out (the authenticator, the
    user, the action) without authenticating again: a 406 is decided before authentication.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not call_log_conf.CALL_LOG:
            return super().dispatch(request, *args, **kwargs)
        started = perf_counter()
        try:
            response = super().dispatch(request, *args, **kwargs)
        except Exception as exc:
            # The exception's class only: its message may quote data.
            self._record_call(500, None, started, error=type(exc).__name__)
            raise
        self._record_call(response.status_code, response, started)
        return response

    def _record_call(self, status: int, response: HttpResponseBase | None, started: float, *, error: str = "") -> None:
        latency_ms = (perf_counter() - started) * 1000
        request = self.request
        http_request = getattr(request, "_request", request)
        # DRF's private attributes: set once authentication ran, and reading them never runs it again.
        authenticator = getattr(request, "_authenticator", None)
        if authenticator is not None:
            auth_style, credential = STYLE_OF_CLASS.get(type(authenticator), ""), credential_of(request._auth)
        elif status == 401 and isinstance(request, Request):
            auth_style, credential = refused_credential(request)
        else:
            auth_style, credential = "", None
        action = getattr(self, "action", None)
        record_call(
            door=Call.Door.API,
            method=http_request.method,
            path=http_request.path,
            status=status,
            latency_ms=latency_ms,
            # Only the schema's operations: a refused method (PUT, 405) still has a router action.
            operation_id=OPERATION_IDS.get(action, ""),
            auth_style=auth_style,
            credential=credential,
            user=getattr(request, "_user", None) if authenticator is not None else None,
            error=error or (failure_message(request, response) if status >= 400 else ""),
            openai=openai_ids(http_request.META),
        )
