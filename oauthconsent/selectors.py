"""Reads: the GPT clients a builder can use, the client a sign-in is for, a user's connected GPTs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import (
    AbstractApplication,
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)
from oauth2_provider.scopes import get_scopes_backend


def gpt_clients() -> list[AbstractApplication]:
    """Authorization-code clients a GPT can use, newest first."""
    application = get_application_model()
    return list(
        application.objects.filter(authorization_grant_type=application.GRANT_AUTHORIZATION_CODE).order_by("-id")
    )


def gpt_client_for_next(next_url: str) -> AbstractApplication | None:
    """The client an authorization URL (a login page's `next`) is for, if any: the login page names it."""
    parts = urlsplit(next_url)
    if parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    if not client_id:
        return None
    return get_application_model().objects.filter(client_id=client_id).first()


@dataclass(frozen=True)
class Connection:
    """A GPT client holding live tokens for a user."""

    application: AbstractApplication
    scope_descriptions: list[str]
    connected_at: datetime
    last_refreshed_at: datetime


def oauth_connections(*, user: AbstractBaseUser) -> list[Connection]:
    """The clients holding an unexpired access token or a live refresh token for user, newest first."""
    access_tokens = get_access_token_model().objects
    refresh_tokens = get_refresh_token_model().objects
    now = timezone.now()
    application_ids = set(
        access_tokens.filter(user=user, expires__gt=now, application__isnull=False).values_list(
            "application_id", flat=True
        )
    ) | set(refresh_tokens.filter(user=user, revoked__isnull=True).values_list("application_id", flat=True))
    descriptions = get_scopes_backend().get_all_scopes()
    connections: dict[int, Connection] = {}
    tokens = access_tokens.filter(user=user, application_id__in=application_ids).select_related("application")
    for token in tokens.order_by("created"):
        first = connections.get(token.application_id)
        connections[token.application_id] = Connection(
            application=token.application,
            scope_descriptions=[descriptions.get(scope, scope) for scope in token.scope.split()],
            connected_at=first.connected_at if first else token.created,
            last_refreshed_at=token.created,
        )
    return sorted(connections.values(), key=lambda connection: connection.last_refreshed_at, reverse=True)
