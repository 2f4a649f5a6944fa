"""Reads: API keys by their raw value, items of a user."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from items.keys import is_well_formed, key_hash, stored_prefix
from items.models import ApiKey, Item


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The key (with its user) that raw_key belongs to, revoked or not; None when there is none."""
    if not is_well_formed(raw_key):
        return None
    api_key = ApiKey.objects.select_related("user").filter(prefix=stored_prefix(raw_key)).first()
    if api_key is None or not constant_time_compare(api_key.hashed_key, key_hash(raw_key)):
        return None
    return api_key


def item_list(*, owner: AbstractBaseUser) -> QuerySet[Item]:
    """The items owner may see and change, newest first: the one ownership rule of every front door."""
    return Item.objects.filter(owner=owner)


def active_api_key_count(*, now: datetime | None = None) -> int:
    """Keys that work now: not revoked, not expired."""
    now = now or timezone.now()
    return ApiKey.objects.filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()
