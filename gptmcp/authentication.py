"""OAuth access tokens at /mcp, their audience (RFC 8707) checked against the resource /mcp advertises (RFC 9728).

DOT checks a resource-bound token against the request's own absolute URL (`build_absolute_uri`). Behind a
proxy that does not pass the public host, that URL is not the one clients were told (PUBLIC_BASE_URL + /mcp,
gptmcp.metadata.resource_url), and tokens bound to the advertised resource would be refused: here the two are
one identifier.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from oauth2_provider.models import AbstractAccessToken
from rest_framework.request import Request

from gptactions.authentication import OAuthTokenAuthentication
from gptactions.public_url import public_base_url
from gptmcp.metadata import resource_url


class AtAdvertisedResource:
    """The request as DOT's audience check reads it: every read passes through, but its absolute URL is the resource.

    DOT's OAuthLibCore.verify_request builds the URL it compares a token's `resource` with from
    `request.build_absolute_uri()`; it offers no other hook for it (RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR
    gets that URL, not the request).
    """

    def __init__(self, request: Request, resource: str) -> None:
        self._request = request
        self._resource = resource

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def build_absolute_uri(self, location: str | None = None) -> str:
        return self._resource


class McpTokenAuthentication(OAuthTokenAuthentication):
    """`Authorization: Bearer <access token>` at /mcp; a token bound to a resource must be bound to this one."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, AbstractAccessToken] | None:
        at_resource = AtAdvertisedResource(request, resource_url(public_base_url(request)))
        try:
            return super().authenticate(at_resource)  # type: ignore[arg-type]
        finally:
            # DOT notes why it refused a token on the request it was given: the challenge reads it from this one.
            if "oauth2_error" in vars(at_resource):
                request.oauth2_error = at_resource.oauth2_error
