"""GPT clients (OAuth applications) and the connections users grant them.

The admin, the `register_gpt_client` command and the connected-GPTs page call these; views never
touch oauthlib or token rows themselves.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    AbstractApplication,
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.scopes import get_scopes_backend

from config.public_url import oauth_endpoints

# A GPT's callback URL, as the GPT editor shows it once the Action is saved:
# https://chatgpt.com/aip/g-<id>/oauth/callback (older GPTs: https://chat.openai.com/aip/…).
GPT_CALLBACK_HOSTS = ("chatgpt.com", "chat.openai.com")
_GPT_CALLBACK_PATH = re.compile(r"^/aip/[A-Za-z0-9_-]+/oauth/callback$")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
EXAMPLE_CALLBACK = "https://chatgpt.com/aip/g-…/oauth/callback"

# What a builder picks in the GPT editor's "Token Exchange Method"; the server accepts both
# (client_secret_post and client_secret_basic).
TOKEN_EXCHANGE_METHOD = "Default (POST request)"
PLACEHOLDER_BASE_URL = "https://YOUR-PUBLIC-HOST"


def is_gpt_callback(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and parts.hostname in GPT_CALLBACK_HOSTS
        and parts.port is None
        and not parts.query
        and bool(_GPT_CALLBACK_PATH.match(parts.path))
    )


def callback_url_check(url: str) -> None:
    """Raise ValidationError, in words a GPT builder understands, unless url can be a callback URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.hostname or any(char.isspace() for char in url):
        raise ValidationError(
            _("“%(url)s” is not a URL. Paste the Callback URL the GPT editor shows, like %(example)s."),
            params={"url": url, "example": EXAMPLE_CALLBACK},
            code="not_a_url",
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValidationError(
            _("“%(url)s” uses http. Callback URLs must use https; http is accepted only for localhost and 127.0.0.1."),
            params={"url": url},
            code="http",
        )
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            _("“%(url)s” is not a web address. Callback URLs start with https://."),
            params={"url": url},
            code="scheme",
        )
    if "#" in url:
        raise ValidationError(
            _("“%(url)s” contains a fragment (#…), which callback URLs may not have."),
            params={"url": url},
            code="fragment",
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("“%(url)s” contains a user name or password, which callback URLs may not have."),
            params={"url": url},
            code="userinfo",
        )
    if "*" in parts.netloc:
        raise ValidationError(
            _("“%(url)s” contains a wildcard. Register each callback URL exactly."),
            params={"url": url},
            code="wildcard",
        )
    if parts.hostname in GPT_CALLBACK_HOSTS and parts.path.startswith("/gpts/"):
        raise ValidationError(
            _(
                "“%(url)s” is the address of the GPT editor, not the callback URL. Save the Action, "
                "then copy the Callback URL shown under Authentication, like %(example)s."
            ),
            params={"url": url, "example": EXAMPLE_CALLBACK},
            code="gpt_editor",
        )


def callback_urls_clean(urls: Iterable[str]) -> list[str]:
    """Checked callback URLs, each GPT callback registered on both ChatGPT hosts, without duplicates.

    Raises one ValidationError listing every URL that is refused.
    """
    cleaned: list[str] = []
    errors: list[ValidationError] = []
    for url in (url.strip() for url in urls):
        if not url:
            continue
        try:
            callback_url_check(url)
        except ValidationError as error:
            errors.append(error)
            continue
        if is_gpt_callback(url):
            path = urlsplit(url).path
            cleaned.extend(f"https://{host}{path}" for host in GPT_CALLBACK_HOSTS)
        else:
            cleaned.append(url)
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(cleaned))


def gpt_client_create(
    *, name: str, callback_urls: Iterable[str] = (), user: AbstractBaseUser | None = None
) -> tuple[AbstractApplication, str]:
    """A confidential authorization-code client; the raw secret is returned once and stored hashed."""
    application = get_application_model()(
        name=name,
        user=user,
        redirect_uris=" ".join(callback_urls_clean(callback_urls)),
        client_type=AbstractApplication.CLIENT_CONFIDENTIAL,
        authorization_grant_type=AbstractApplication.GRANT_AUTHORIZATION_CODE,
    )
    return application, gpt_client_issue_secret(application=application)


def gpt_client_issue_secret(*, application: AbstractApplication) -> str:
    """Give the client a new secret, save it, and return the raw secret (its only appearance)."""
    raw_secret = generate_client_secret()
    application.client_secret = raw_secret
    application.hash_client_secret = True
    application.save()  # ClientSecretField hashes it on the way to the database
    return raw_secret


def gpt_paste_values(
    *, application: AbstractApplication | None, base_url: str, client_secret: str | None = None
) -> dict[str, str]:
    """What a builder types into the GPT editor (Actions > Authentication > OAuth), field by field.

    Keys are the editor's field labels. Without client_secret the secret's line says where it was shown;
    without an application the client id's line says how to make one.
    """
    endpoints = oauth_endpoints((base_url or PLACEHOLDER_BASE_URL).rstrip("/"))
    return {
        "Client ID": application.client_id if application else _("(see the GPT clients below)"),
        "Client Secret": client_secret or _("(shown once, when the client was created)"),
        "Authorization URL": endpoints["authorizationUrl"],
        "Token URL": endpoints["tokenUrl"],
        "Scope": " ".join(get_scopes_backend().get_default_scopes(application=application)),
        "Token Exchange Method": TOKEN_EXCHANGE_METHOD,
    }


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


@transaction.atomic
def oauth_connection_revoke(*, user: AbstractBaseUser, application: AbstractApplication) -> int:
    """Revoke every token and pending code application holds for user; returns how many tokens died."""
    revoked = 0
    for refresh_token in get_refresh_token_model().objects.filter(
        user=user, application=application, revoked__isnull=True
    ):
        # revoke() keeps a revoked row, so a later replay is still recognised as reuse.
        refresh_token.revoke()
        revoked += 1
    deleted, _by_model = get_access_token_model().objects.filter(user=user, application=application).delete()
    get_grant_model().objects.filter(user=user, application=application).delete()
    return revoked + deleted


def access_token_issued_to(*, token: str, application: AbstractApplication) -> bool:
    # Tokens are stored as SHA-256 checksums only (RFC 9700 token storage).
    checksum = hashlib.sha256(token.encode()).hexdigest()
    return get_access_token_model().objects.filter(token_checksum=checksum, application=application).exists()
