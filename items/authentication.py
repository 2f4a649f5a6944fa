"""API-key authentication in the three styles a GPT Action's editor offers.

Each class is usable alone. A class raises only when the credential is clearly its own;
otherwise it returns None and the next class (for example OAuth2Authentication) tries.
"""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from items.conf import conf
from items.models import ApiKey
from items.services import KEY_PREFIX, api_key_find, api_key_mark_used


class ApiKeyAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"

    def get_raw_key(self, request: Request) -> str | None:
        raise NotImplementedError

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        raw_key = self.get_raw_key(request)
        if raw_key is None:
            return None
        api_key = api_key_find(raw_key=raw_key)
        if api_key is None:
            raise AuthenticationFailed(_("Invalid API key."))
        if api_key.is_revoked:
            raise AuthenticationFailed(_("This API key has been revoked."))
        if api_key.is_expired():
            raise AuthenticationFailed(_("This API key has expired."))
        if not api_key.user.is_active:
            raise AuthenticationFailed(_("The user of this API key is inactive."))
        api_key_mark_used(api_key=api_key)
        return (api_key.user, api_key)


def _authorization(request: Request, scheme: str) -> str | None:
    """The credentials after `scheme` in the Authorization header, or None for another scheme."""
    found, _sep, credentials = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if found.lower() != scheme:
        return None
    return credentials.strip()


class BearerApiKeyAuthentication(ApiKeyAuthentication):
    """`Authorization: Bearer gpta_…`. Other Bearer values (OAuth tokens) fall through."""

    def get_raw_key(self, request: Request) -> str | None:
        credentials = _authorization(request, "bearer")
        if credentials is None or not credentials.startswith(KEY_PREFIX):
            return None
        return credentials

    def authenticate_header(self, request: Request) -> str:
        # When an OAuth token was refused, OAuth2Authentication left its error on the request:
        # the Bearer challenge names it (RFC 6750 section 3), e.g. error="invalid_token".
        attributes = {"realm": self.www_authenticate_realm, **getattr(request, "oauth2_error", {})}
        return "Bearer " + ", ".join(f'{name}="{value}"' for name, value in attributes.items())


class BasicApiKeyAuthentication(ApiKeyAuthentication):
    """`Authorization: Basic base64(key)`, as a GPT sends what its builder pasted.

    Also accepted: the standard `base64(user:key)` (the user part is ignored, as GitHub does),
    `base64(key:)`, and the raw key itself without base64.
    """

    def get_raw_key(self, request: Request) -> str | None:
        credentials = _authorization(request, "basic")
        if credentials is None:
            return None
        if not credentials:
            raise AuthenticationFailed(_("Invalid Basic header: no credentials provided."))
        if credentials.startswith(KEY_PREFIX):
            return credentials
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise AuthenticationFailed(_("Invalid Basic header: credentials are not base64-encoded UTF-8.")) from None
        user_or_key, has_colon, password = decoded.strip().partition(":")
        return (password or user_or_key).strip() if has_colon else user_or_key

    def authenticate_header(self, request: Request) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class HeaderApiKeyAuthentication(ApiKeyAuthentication):
    """`api-key: gpta_…` (the header name is the API_KEY_HEADER setting)."""

    def get_raw_key(self, request: Request) -> str | None:
        raw_key = request.META.get(conf.API_KEY_HEADER_META)
        if raw_key is None:
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise AuthenticationFailed(_("The %(header)s header is empty.") % {"header": conf.API_KEY_HEADER})
        return raw_key

    def authenticate_header(self, request: Request) -> str:
        return f'ApiKey realm="{self.www_authenticate_realm}", header="{conf.API_KEY_HEADER}"'


STYLE_CLASSES: dict[str, type[BaseAuthentication]] = {
    "bearer": BearerApiKeyAuthentication,
    "basic": BasicApiKeyAuthentication,
    "custom": HeaderApiKeyAuthentication,
    "oauth": OAuth2Authentication,
}


def enabled_authenticators() -> list[BaseAuthentication]:
    """One instance per enabled style, in the order of API_AUTH_STYLES (read per request, so tests can override).

    OAuth goes after the key styles whatever the setting's order: it costs a query for any Bearer
    value, while the key classes recognise their own credentials by the key prefix for free.
    """
    styles = sorted(conf.API_AUTH_STYLES, key=lambda style: style == "oauth")
    return [STYLE_CLASSES[style]() for style in styles if style in STYLE_CLASSES]
