"""Redis as the default cache for one test: database 14 (the speed tests'), under a key prefix of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from pytest_django import Settings

REDIS_URL = "redis://127.0.0.1:6379/14"


@contextmanager
def redis_as_cache(settings: Settings, location: str = REDIS_URL) -> Iterator[str]:
    """Point CACHES at Redis; yields the key prefix, whose keys are deleted afterwards (never FLUSHDB)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not answering on 127.0.0.1:6379: start it (`redis-server`)", pytrace=False)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
