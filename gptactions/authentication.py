"""The DRF authentication classes of the GPT editor's auth styles: API keys (Bearer, Basic, custom header) and OAuth.

Each class is usable alone. A class raises only when the credential is clearly its own;
otherwise it returns None and the next class tries. Which classes a view uses, in which order,
is gptactions.auth_styles' business.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AbstractAccessToken
from oauth2_provider.www_authenticate import build_bearer_challenge
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from gptactions import credential_cache
from gptactions.conf import conf
from gptactions.keys import KEY_PREFIX, key_hash
from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from gptactions.services import api_key_mark_used
from gptactions.throttling import FailedAuthenticationThrottle

REALM = "api"


def authorization_credentials(request: Request, scheme: str) -> str | None:
    """What follows `scheme` in the Authorization header (DRF's parsing), or None for another scheme."""
    # DRF's get_authorization_header() reads request.headers, which parses every header of the request into a
    # mapping (~14,000 of the 1.76 M instructions of a GET with a Bearer key, bench/instructions.sh) to find this
    # one; the value is the same.
    header = request.META.get("HTTP_AUTHORIZATION", b"")
    if isinstance(header, str):
        header = header.encode(HTTP_HEADER_ENCODING)
    found, _sep, credentials = header.partition(b" ")
    if found.lower() != scheme.encode():
        return None
    return credentials.strip().decode(HTTP_HEADER_ENCODING)


def bearer_challenge(request: Request, oauth2_error: dict[str, str] | None = None) -> str:
    # DOT's builder quotes the values (an error_description may hold quotes). resource_metadata is
    # left out until the RFC 9728 metadata is served.
    return build_bearer_challenge(request, oauth2_error=oauth2_error, realm=REALM, resource_metadata_url=None)


class ApiKeyAuthentication(BaseAuthentication):
    def get_raw_key(self, request: Request) -> str | None:
        raise NotImplementedError

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, ApiKey] | None:
        raw_key = self.get_raw_key(request)
        if raw_key is None:
            return None
        digest = key_hash(raw_key)
        api_key = credential_cache.api_keys.get(digest)  # a copy of its own: the request may change it
        if api_key is None or api_key.is_expired():
            api_key = self.verify(request, raw_key)
            credential_cache.api_keys.put(digest, api_key, conf.API_AUTH_CACHE_SECONDS)
        last_used_at = api_key.last_used_at
        api_key_mark_used(api_key=api_key)
        if api_key.last_used_at != last_used_at:  # at most once a minute: the memory learns it too
            credential_cache.api_keys.update(digest, api_key)
        return (api_key.user, api_key)

    def verify(self, request: Request, raw_key: str) -> ApiKey:
        """The key of raw_key from the database if it may be used; else AuthenticationFailed, counted per IP."""
        failures = FailedAuthenticationThrottle(request)
        failures.check()
        api_key = api_key_find(raw_key=raw_key)
        try:
            if api_key is None:
                raise AuthenticationFailed(_("Invalid API key."))
            if api_key.is_revoked:
                raise AuthenticationFailed(_("This API key has been revoked."))
            if api_key.is_expired():
                raise AuthenticationFailed(_("This API key has expired."))
            if not api_key.user.is_active:
                raise AuthenticationFailed(_("The user of this API key is inactive."))
        except AuthenticationFailed:
            failures.record()
            raise
        return api_key


class BearerApiKeyAuthentication(ApiKeyAuthentication):
    """`Authorization: Bearer gpta_…`. Other Bearer values (OAuth tokens) fall through."""

    def get_raw_key(self, request: Request) -> str | None:
        credentials = authorization_credentials(request, "bearer")
        if credentials is None or not credentials.startswith(KEY_PREFIX):
            return None
        return credentials

    def authenticate_header(self, request: Request) -> str:
        return bearer_challenge(request)


class BasicApiKeyAuthentication(ApiKeyAuthentication):
    """`Authorization: Basic base64(key)`, as a GPT sends what its builder pasted.

    Also accepted: the standard `base64(user:key)` (the user part is ignored, as GitHub does),
    `base64(key:)`, and the raw key itself without base64.
    """

    def get_raw_key(self, request: Request) -> str | None:
        credentials = authorization_credentials(request, "basic")
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
        return f'Basic realm="{REALM}"'


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
        return f'ApiKey realm="{REALM}", header="{conf.API_KEY_HEADER}"'


class OAuthTokenAuthentication(OAuth2Authentication):
    """`Authorization: Bearer <access token>` issued by this server's OAuth flow (django-oauth-toolkit).

    An API key sent as Bearer is passed over without a token lookup (access tokens never start with
    the key prefix), so OAuth may come first in API_AUTH_STYLES at no cost to key users.
    """

    www_authenticate_realm = REALM

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, AbstractAccessToken] | None:
        credentials = authorization_credentials(request, "bearer")
        if credentials is None:
            return super().authenticate(request)
        if credentials.startswith(KEY_PREFIX):
            return None
        digest = hashlib.sha256(credentials.encode()).hexdigest()
        token = credential_cache.access_tokens.get(digest)
        if token is not None and not token.is_expired() and token.user.is_active:
            return (token.user, token)
        authenticated = super().authenticate(request)
        # A token bound to a resource (RFC 8707) is checked against each request's URI: never kept.
        if authenticated is not None and not authenticated[1].resource:
            credential_cache.access_tokens.put(digest, authenticated[1], conf.API_AUTH_CACHE_SECONDS)
        return authenticated

    def authenticate_header(self, request: Request) -> str:
        return bearer_challenge(request, getattr(request, "oauth2_error", None))
