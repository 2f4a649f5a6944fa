"""Writes: API keys (creation and bookkeeping). Views, admin pages and commands call these, never hashlib."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from gptactions.keys import key_hash, new_raw_key, stored_prefix
from gptactions.models import ApiKey
from gptactions.scopes import all_scopes

LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_create(
    *,
    user: AbstractBaseUser,
    name: str,
    scopes: list[str] | tuple[str, ...] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key (every registered scope unless scopes says otherwise); the raw key is returned once."""
    raw_key = new_raw_key()
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        scope=" ".join(dict.fromkeys(all_scopes() if scopes is None else scopes)),
        expires_at=expires_at,
        prefix=stored_prefix(raw_key),
        hashed_key=key_hash(raw_key),
    )
    return api_key, raw_key


def api_key_replace(*, user: AbstractBaseUser, name: str) -> tuple[ApiKey, str]:
    """Rotate the user's key of that name: delete every key so named, create one; the raw key is returned once."""
    ApiKey.objects.filter(user=user, name=name).delete()
    return api_key_create(user=user, name=name)


def api_key_mark_used(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Record use at most once per LAST_USED_RESOLUTION, so a busy key costs no write per request."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def api_key_revoke(*, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
