"""API keys: creation, lookup and bookkeeping. Views and auth classes call these, never hashlib."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import string
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from items.conf import conf
from items.models import ApiKey
from items.scopes import SCOPE_READ, SCOPE_WRITE

KEY_PREFIX = "gpta_"
_LOOKUP_LENGTH = 8
_SECRET_LENGTH = 32
_ALPHABET = string.ascii_letters + string.digits
_RAW_KEY = re.compile(rf"^{KEY_PREFIX}[A-Za-z0-9]{{{_LOOKUP_LENGTH + _SECRET_LENGTH}}}$")
_STORED_PREFIX_LENGTH = len(KEY_PREFIX) + _LOOKUP_LENGTH

LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw_key: str) -> str:
    # The key is 190 bits of randomness, so a fast unsalted hash is enough (as for GitHub tokens).
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def api_key_create(
    *,
    user: AbstractBaseUser,
    name: str,
    scopes: list[str] | tuple[str, ...] = (SCOPE_READ, SCOPE_WRITE),
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; the raw key is returned once and never stored."""
    api_key = ApiKey(user=user, name=name, scope=" ".join(dict.fromkeys(scopes)), expires_at=expires_at)
    return api_key, api_key_issue(api_key=api_key)


def api_key_issue(*, api_key: ApiKey) -> str:
    """Give an unsaved key its secret, save it, and return the raw key (the admin's add form uses this)."""
    raw_key = KEY_PREFIX + _random(_LOOKUP_LENGTH + _SECRET_LENGTH)
    api_key.prefix = raw_key[:_STORED_PREFIX_LENGTH]
    api_key.hashed_key = _hash(raw_key)
    api_key.save()
    return raw_key


def api_key_find(*, raw_key: str) -> ApiKey | None:
    """The key (with its user) that raw_key belongs to, revoked or not; None when there is none."""
    if not _RAW_KEY.match(raw_key):
        return None
    api_key = ApiKey.objects.select_related("user").filter(prefix=raw_key[:_STORED_PREFIX_LENGTH]).first()
    if api_key is None or not constant_time_compare(api_key.hashed_key, _hash(raw_key)):
        return None
    return api_key


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


def gpt_auth_values(raw_key: str) -> dict[str, str]:
    """What to paste into the GPT editor's API-key fields, for each enabled style."""
    values = {
        "basic": f"Auth type: API Key, Basic. API Key: {base64.b64encode(raw_key.encode()).decode()}",
        "bearer": f"Auth type: API Key, Bearer. API Key: {raw_key}",
        "custom": f"Auth type: API Key, Custom, header name {conf.API_KEY_HEADER}. API Key: {raw_key}",
    }
    return {style: values[style] for style in conf.API_AUTH_STYLES if style in values}
