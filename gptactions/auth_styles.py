"""The registry of auth styles: each choice of the GPT editor's Authentication, as data every front door reads.

Authentication (which DRF classes, in which order), the OpenAPI schema (security schemes),
`action_setup`, the admin setup page, `create_api_key` and the GPT-client pages all read it.
Adding a style means one entry here, its DRF class in gptactions.authentication, its schema
extension in items.schema, and its values in gptactions.paste_values.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from gptactions.authentication import (
    BasicApiKeyAuthentication,
    BearerApiKeyAuthentication,
    HeaderApiKeyAuthentication,
    OAuthTokenAuthentication,
)
from gptactions.conf import conf

API_KEY_FIELDS = ("API Key", "Auth Type")
OAUTH_FIELDS = ("Client ID", "Client Secret", "Authorization URL", "Token URL", "Scope", "Token Exchange Method")


@dataclass(frozen=True)
class AuthStyle:
    name: str  # in API_AUTH_STYLES and the schema's `?auth=`
    label: str  # the GPT editor's choice (Authentication > Auth Type, then API Key's own Auth Type)
    scheme_name: str  # its entry in the schema's components.securitySchemes
    authentication_class: type[BaseAuthentication]
    fields: tuple[str, ...]  # the GPT editor's fields a builder fills in, in the editor's order

    @property
    def uses_api_key(self) -> bool:
        return self.fields[0] == "API Key"


AUTH_STYLES: dict[str, AuthStyle] = {
    style.name: style
    for style in (
        AuthStyle("bearer", "API Key, Bearer", "bearerAuth", BearerApiKeyAuthentication, API_KEY_FIELDS),
        AuthStyle("basic", "API Key, Basic", "basicAuth", BasicApiKeyAuthentication, API_KEY_FIELDS),
        AuthStyle(
            "custom",
            "API Key, Custom",
            "apiKeyAuth",
            HeaderApiKeyAuthentication,
            (*API_KEY_FIELDS, "Custom Header Name"),
        ),
        AuthStyle("oauth", "OAuth", "oauth2", OAuthTokenAuthentication, OAUTH_FIELDS),
    )
}


def enabled_auth_styles() -> list[AuthStyle]:
    """The styles of API_AUTH_STYLES, in its order (unknown names are the system check gptactions.E001's business)."""
    return [AUTH_STYLES[name] for name in dict.fromkeys(conf.API_AUTH_STYLES) if name in AUTH_STYLES]


def enabled_auth_style(name: str | None) -> AuthStyle | None:
    return next((style for style in enabled_auth_styles() if style.name == name), None)


def enabled_authenticators() -> list[BaseAuthentication]:
    """One instance per enabled style, in the order of API_AUTH_STYLES (read per request, so tests can override).

    The order costs nothing: each class recognises its own credentials without a query (API keys by
    their prefix, OAuth passes over them), and the first names the scheme of WWW-Authenticate.
    """
    return [style.authentication_class() for style in enabled_auth_styles()]


def authenticate_header(request: Request) -> str | None:
    """WWW-Authenticate of a 401: the first enabled style's challenge, except for a refused OAuth token.

    A refused access token always gets the Bearer challenge naming its error (RFC 6750 section 3,
    `error="invalid_token"`), so that ChatGPT refreshes it, whichever style is listed first.
    """
    authenticators = request.authenticators
    if getattr(request, "oauth2_error", None):
        for authenticator in authenticators:
            if isinstance(authenticator, OAuthTokenAuthentication):
                return authenticator.authenticate_header(request)
    return authenticators[0].authenticate_header(request) if authenticators else None


def refused_token_failure(request: Request) -> AuthenticationFailed | None:
    """The 401 of a request whose OAuth token was refused, its body saying why (as its challenge does); else None.

    DRF answers a request that no class authenticated with NotAuthenticated ("Authentication credentials
    were not provided."), even when a token was sent and refused with `error="invalid_token"`. Views raise
    this instead from `permission_denied`.
    """
    oauth2_error = getattr(request, "oauth2_error", None)
    if not oauth2_error or request.successful_authenticator is not None:
        return None
    return AuthenticationFailed(oauth2_error.get("error_description") or _("Invalid token."))
