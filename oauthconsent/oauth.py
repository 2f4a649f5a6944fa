"""The django-oauth-toolkit hooks (named in settings.OAUTH2_PROVIDER): validator and oauthlib server."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import (
    AbstractApplication,
    AbstractGrant,
    AbstractRefreshToken,
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
    refresh_token_expire_timedelta,
)
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

from oauthconsent.callback_urls import callback_url_check
from oauthconsent.conf import conf
from oauthconsent.hashers import ClientSecretSHA256Hasher
from oauthconsent.services import code_redeemed, code_replayed


class CodeAlreadyRedeemed(Exception):
    """A concurrent exchange of the same code won the claim; this one must issue nothing."""


def _active(user: AbstractBaseUser | None) -> bool:
    return user is not None and user.is_active


def _checksum(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


SELF_DECLARED_SOURCES = (AbstractApplication.RegistrationSource.DCR, AbstractApplication.RegistrationSource.CIMD)


def registered_itself(application: AbstractApplication) -> bool:
    """A client registered by RFC 7591 or known by its client ID metadata document (an MCP client): always
    held to PKCE and to the callback rules of the GPT-client admin, its name self-declared."""
    return application.registration_source in SELF_DECLARED_SOURCES


class GptOAuth2Validator(OAuth2Validator):
    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        # A blank Scope field in the GPT editor makes ChatGPT send `scope=`, which oauthlib reads
        # as [""]: grant the default scopes instead of failing with invalid_scope.
        requested = [scope for scope in scopes if scope]
        if not requested:
            requested = list(self.get_default_scopes(client_id, request))
        request.scopes = requested
        return super().validate_scopes(client_id, requested, client, request, *args, **kwargs)

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        """Required for public clients and for clients that registered themselves.

        GPT Actions are confidential clients and send no code_challenge. Whenever a client does send
        one, oauthlib enforces it at the token endpoint whatever this returns (S256 only, see GptServer).
        """
        application = self._load_application(client_id, request)  # cached on request.client
        # An unknown client fails elsewhere; requiring PKCE for it is the safe answer meanwhile.
        return (
            application is None
            or application.client_type != AbstractApplication.CLIENT_CONFIDENTIAL
            or registered_itself(application)
        )

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """DOT's exact match; a client that registered itself also meets the admin's callback rules.

        Registration (oauthconsent.registration) checks them before DOT stores the client; a client ID
        metadata document is fetched and stored by DOT itself, with no hook in between, so its callbacks
        are checked here, when one is used.
        """
        if not super().validate_redirect_uri(client_id, redirect_uri, request, *args, **kwargs):
            return False
        if not registered_itself(request.client):
            return True
        try:
            callback_url_check(redirect_uri)
        except ValidationError:
            return False
        return True

    # Client secrets: re-hashed with the fast hasher on their next successful use --------------
    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = request.client
        if client.hash_client_secret and not client.client_secret.startswith(f"{ClientSecretSHA256Hasher.algorithm}$"):
            secret = self._presented_secret(request)
            if secret:
                client.client_secret = make_password(secret, hasher=oauth2_settings.CLIENT_SECRET_HASHER)
                type(client).objects.filter(pk=client.pk).update(client_secret=client.client_secret)
        return True

    def _presented_secret(self, request: Request) -> str | None:
        """The secret of the Basic header (RFC 6749 section 2.3.1, as DOT decodes it), else the body's."""
        credentials = self._extract_basic_auth(request)
        if credentials is None:
            return getattr(request, "client_secret", None)
        try:
            return unquote_plus(base64.b64decode(credentials).decode().split(":", 1)[1])
        except (ValueError, IndexError):
            return None

    # Access tokens -----------------------------------------------------------------------------
    def validate_bearer_token(self, token: str, scopes: list[str], request: Request) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if _active(request.user):
            return True
        # A deactivated user's token (services revoke them on deactivation; this covers any left).
        request.oauth2_error = {"error": "invalid_token", "error_description": "The access token is invalid."}
        return False

    # Authorization codes: claimed once; a replay revokes what the code issued ---------------------
    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        # DOT's version, keeping the grant on the request: the checks that follow (PKCE, redirect URI)
        # read it there instead of loading again a row that a concurrent exchange may have deleted.
        grant = get_grant_model().objects.select_related("user").filter(code=code, application=client).first()
        if grant is None:
            code_replayed(code_checksum=_checksum(code))
            return False
        if grant.is_expired() or not _active(grant.user):
            return False
        request.gpt_grant = grant
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        return True

    def _grant(self, code: str, request: Request) -> AbstractGrant | None:
        grant = getattr(request, "gpt_grant", None)
        return grant if grant is not None and grant.code == code else None

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return grant.code_challenge or None if grant else None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return grant.code_challenge_method or None if grant else None

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        grant = self._grant(code, request)
        return grant is not None and grant.redirect_uri_allowed(redirect_uri)

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Nothing left to do: the exchange claimed (deleted) the grant in the transaction that saved the tokens."""

    # Refresh tokens: a grace window for retries ------------------------------------------------
    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """DOT's checks on one read of the row, plus a grace window for a client's retry.

        A copy of DOT's method that must stay: DOT reads the row itself, so calling it after our own read
        could see a rotation committed in between and revoke the family of a client that merely raced
        itself; and its own grace period cannot serve a retry under hashed storage (it has no raw token
        to return again), so a retry gets a second pair in the same family (see _save_refresh).
        """
        row = (
            get_refresh_token_model()
            .objects.select_related("access_token", "user")
            .filter(token_checksum=_checksum(refresh_token))
            .order_by(F("revoked").desc(nulls_first=True))  # the live row first, as DOT does
            .first()
        )
        if row is None:
            return False
        if row.revoked is not None and not self._in_grace(row):
            # Reuse after the window, or of a token revoked on purpose: it leaked (RFC 9700 section 4.14.2).
            if oauth2_settings.REFRESH_TOKEN_REUSE_PROTECTION:
                get_refresh_token_model().revoke_family(row.token_family)
            return False
        if row.revoked is None and not self._unexpired(row):
            return False
        request.user = row.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = row
        return row.application == client and _active(row.user)

    def _unexpired(self, row: AbstractRefreshToken) -> bool:
        # DOT's idle expiry: a live refresh token dies REFRESH_TOKEN_EXPIRE_SECONDS after its access token.
        if row.access_token is None:
            return False
        expire_delta = refresh_token_expire_timedelta()
        return not expire_delta or row.access_token.expires + expire_delta > timezone.now()

    def _in_grace(self, row: AbstractRefreshToken) -> bool:
        """Rotated (not revoked on purpose: a successor was minted from it) less than the window ago."""
        window_start = timezone.now() - timedelta(seconds=conf.OAUTH_REFRESH_GRACE_SECONDS)
        return row.revoked > window_start and get_access_token_model().objects.filter(source_refresh_token=row).exists()

    # Saving tokens -------------------------------------------------------------------------------
    def save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().save_bearer_token(token, request, *args, **kwargs)  # one transaction
        except CodeAlreadyRedeemed:
            # After the rollback, so that the revocation stays.
            code_replayed(code_checksum=_checksum(request.code))
            raise errors.InvalidGrantError(request=request) from None

    def _save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        if request.grant_type == "authorization_code":
            self._save_code_exchange(token, request, *args, **kwargs)
        elif isinstance(getattr(request, "refresh_token_instance", None), get_refresh_token_model()):
            self._save_refresh(token, request, *args, **kwargs)
        else:
            super()._save_bearer_token(token, request, *args, **kwargs)

    def _save_code_exchange(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        # Claim the code first: of two concurrent exchanges, the second waits on the row and deletes nothing.
        claimed, _by_model = get_grant_model().objects.filter(pk=request.gpt_grant.pk).delete()
        if not claimed:
            raise CodeAlreadyRedeemed
        super()._save_bearer_token(token, request, *args, **kwargs)
        code_redeemed(
            code_checksum=_checksum(request.code),
            refresh_token_checksum=_checksum(token["refresh_token"]) if token.get("refresh_token") else None,
        )

    def _save_refresh(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> None:
        # Lock the presented refresh token: a concurrent refresh of it waits here, then sees it rotated.
        row = get_refresh_token_model().objects.select_for_update().get(pk=request.refresh_token_instance.pk)
        if row.revoked is None:
            super()._save_bearer_token(token, request, *args, **kwargs)  # DOT rotates it
            return
        if not self._in_grace(row):
            raise errors.InvalidGrantError(request=request)
        # Rotated by an earlier or concurrent request: this retry gets its own pair in the same family.
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        access_token = self._create_access_token(expires, request, token)
        self._create_refresh_token(request, token["refresh_token"], access_token, row)


class GptServer(Server):
    """oauthlib's server with S256 as the only PKCE method (RFC 9700 section 2.1.1).

    Refusing "plain" here rejects it when the authorization request arrives, before the user is
    asked anything; DOT's own switch would refuse it only after the user clicked Allow.
    """

    def __init__(self, request_validator: OAuth2Validator, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        # The token endpoint shares this grant object, so a stored challenge is verified with S256 too.
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}


def authenticated_client(core: OAuthLibCore, request: HttpRequest) -> AbstractApplication | None:
    """The client that authenticated itself on request (Basic header or client_id/client_secret), or None.

    A copy of DOT's OAuthLibCore.authenticate_client that must stay: DOT's answers only yes or no, and
    introspection needs to know who asks (DOT 3.4 has no hook that returns the client).
    """
    uri, http_method, body, headers = core._extract_params(request)
    oauthlib_request = Request(uri, http_method, body, headers)
    if not core.server.request_validator.authenticate_client(oauthlib_request):
        return None
    return oauthlib_request.client
