"""The django-oauth-toolkit hooks (named in settings.OAUTH2_PROVIDER): validator and oauthlib server."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256


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


def registered_itself(application: AbstractApplication) -> bool:
    """A client registered by RFC 7591 (an MCP client): always held to PKCE, its name self-declared."""
    return application.registration_source == AbstractApplication.RegistrationSource.DCR


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
