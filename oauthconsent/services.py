"""Writes: GPT clients (OAuth applications) and the connections users revoke.

The admin, the `register_gpt_client` command and the connected-GPTs page call these; views never
touch oauthlib or token rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    AbstractApplication,
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from oauthconsent.callback_urls import callback_urls_clean
from oauthconsent.models import RedeemedCode


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


def oauth_connection_revoke(*, user: AbstractBaseUser, application: AbstractApplication) -> int:
    """Revoke every token and pending code application holds for user; returns how many tokens died."""
    return _tokens_revoke(user=user, application=application)


def user_tokens_revoke(*, user: AbstractBaseUser) -> int:
    """Every OAuth token and pending code of user dies (a deactivated account keeps no access)."""
    return _tokens_revoke(user=user)


@transaction.atomic
def _tokens_revoke(**owner: object) -> int:
    revoked = 0
    for refresh_token in get_refresh_token_model().objects.filter(revoked__isnull=True, **owner):
        # revoke() keeps a revoked row, so a later replay is still recognised as reuse.
        refresh_token.revoke()
        revoked += 1
    deleted, _by_model = get_access_token_model().objects.filter(**owner).delete()
    get_grant_model().objects.filter(**owner).delete()
    return revoked + deleted


def code_redeemed(*, code_checksum: str, refresh_token_checksum: str | None) -> None:
    """Remember an exchanged code and the token family it started, so that a replay can revoke it."""
    family = None
    if refresh_token_checksum:
        family = (
            get_refresh_token_model()
            .objects.filter(token_checksum=refresh_token_checksum)
            .values_list("token_family", flat=True)
            .first()
        )
    RedeemedCode.objects.create(
        code_checksum=code_checksum,
        token_family=family,
        expires=timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS),
    )


def code_replayed(*, code_checksum: str) -> None:
    """An exchanged code came back: it leaked, so what it issued is revoked (RFC 6749 section 10.5)."""
    family = RedeemedCode.objects.filter(code_checksum=code_checksum).values_list("token_family", flat=True).first()
    if family:
        get_refresh_token_model().revoke_family(family)


def redeemed_codes_prune() -> int:
    deleted, _by_model = RedeemedCode.objects.filter(expires__lt=timezone.now()).delete()
    return deleted
