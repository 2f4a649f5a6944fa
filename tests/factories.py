"""Test data builders: make_* helpers return saved objects with sensible defaults."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from oauth2_provider.models import AbstractAccessToken, AbstractApplication, get_access_token_model

from gptactions.models import ApiKey
from gptactions.services import api_key_create
from gptsetup.models import PrivacyPolicy
from items.models import Item
from oauthconsent.services import gpt_client_create

PASSWORD = "correct horse battery"  # every made user's, unless a test gives another

_numbers = itertools.count(1)

# The Items API's scopes, as items/gpt_actions.py registers them.
SCOPE_READ = "items:read"
SCOPE_WRITE = "items:write"
# Every registered scope, the default of a key, a token and the paste values: items' and the suite's notes'.
ALL_SCOPES = "items:read items:write notes:read notes:write"
# The Action schema's operations: items' five, and the four of the suite's second resource (tests/notes).
OPERATION_IDS = {"listItems", "getItem", "createItem", "updateItem", "deleteItem"} | {
    "listNotes",
    "getNote",
    "createNote",
    "deleteNote",
}


def make_user(username: str | None = None, *, password: str = PASSWORD, **fields: object) -> AbstractBaseUser:
    username = username or f"user{next(_numbers)}"
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_item(owner: AbstractBaseUser, **fields: object) -> Item:
    fields.setdefault("name", f"Item {next(_numbers)}")
    fields.setdefault("price", Decimal("9.99"))
    return Item.objects.create(owner=owner, **fields)


def make_api_key(
    user: AbstractBaseUser | None = None,
    *,
    scopes: tuple[str, ...] | None = None,
    expires_at: datetime | None = None,
    name: str = "test key",
) -> tuple[ApiKey, str]:
    """A key with scopes, or with every registered scope (as api_key_create gives), and its raw value."""
    return api_key_create(user=user or make_user(), name=name, scopes=scopes, expires_at=expires_at)


def make_gpt_client(
    name: str = "Recipe GPT", *, callback_urls: tuple[str, ...] = ("https://chatgpt.com/aip/g-test123/oauth/callback",)
) -> tuple[AbstractApplication, str]:
    """A confidential authorization-code GPT client and its raw secret."""
    return gpt_client_create(name=name, callback_urls=callback_urls)


def make_access_token(
    user: AbstractBaseUser | None = None,
    *,
    scope: str = f"{SCOPE_READ} {SCOPE_WRITE}",
    expires_in: int = 3600,
    application: AbstractApplication | None = None,
) -> tuple[AbstractAccessToken, str]:
    """An OAuth access token issued to user without running the flow, and its raw value."""
    raw_token = f"oauth-token-{secrets.token_urlsafe(16)}"
    access_token = get_access_token_model().objects.create(
        user=user or make_user(),
        token=raw_token,
        scope=scope,
        expires=timezone.now() + timedelta(seconds=expires_in),
        application=application,
    )
    return access_token, raw_token


def make_privacy_policy(text: str = "We keep only what the API needs.") -> PrivacyPolicy:
    return PrivacyPolicy.objects.create(text=text)
