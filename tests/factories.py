"""Test data builders: make_* helpers return saved objects with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from items.models import ApiKey, Item
from items.scopes import SCOPE_READ, SCOPE_WRITE
from items.services import api_key_create
from oauthconsent.services import gpt_client_create

_numbers = itertools.count(1)


def make_user(username: str | None = None, *, password: str = "correct horse battery", **fields: object):
    username = username or f"user{next(_numbers)}"
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_item(owner: AbstractBaseUser, **fields: object) -> Item:
    fields.setdefault("name", f"Item {next(_numbers)}")
    fields.setdefault("price", Decimal("9.99"))
    return Item.objects.create(owner=owner, **fields)


def make_api_key(
    user: AbstractBaseUser | None = None,
    *,
    scopes: tuple[str, ...] = (SCOPE_READ, SCOPE_WRITE),
    expires_at: datetime | None = None,
    name: str = "test key",
) -> tuple[ApiKey, str]:
    return api_key_create(user=user or make_user(), name=name, scopes=scopes, expires_at=expires_at)


def make_gpt_client(
    name: str = "Recipe GPT", *, callback_urls: tuple[str, ...] = ("https://chatgpt.com/aip/g-test123/oauth/callback",)
):
    """A confidential authorization-code GPT client and its raw secret."""
    return gpt_client_create(name=name, callback_urls=callback_urls)
