"""Writes: GPT clients (OAuth applications) and the connections users revoke.

The admin, the `register_gpt_client` command and the connected-GPTs page call these; views never
touch oauthlib or token rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    AbstractApplication,
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauthconsent.callback_urls import callback_urls_clean


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
