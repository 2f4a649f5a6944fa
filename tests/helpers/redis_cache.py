"""Redis as the default cache for one test: database 14 (the speed tests'), under a key prefix of the test's own;
or a redis-server of the test's own, for what would disturb the shared one (SCRIPT FLUSH, CLIENT KILL)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from pytest_django import Settings

from tests.helpers.processes import free_port, stop_group

REDIS_URL = "redis://127.0.0.1:6379/14"


@contextmanager
def redis_as_cache(settings: Settings, location: str = REDIS_URL) -> Iterator[str]:
    """Point CACHES at Redis; yields the key prefix, whose keys are deleted afterwards (never FLUSHDB)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    if location == REDIS_URL:
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
        client = redis.Redis.from_url(location, socket_connect_timeout=2)
        try:
            for key in client.scan_iter(match=f"{prefix}:*"):
                client.delete(key)
        except redis.ConnectionError:
            pass  # a test pointing at nothing (Redis down) left nothing


@contextmanager
def own_redis_server() -> Iterator[str]:
    """A redis-server of this test's own on a free port, nothing saved, stopped afterwards; yields its URL.

    SCRIPT FLUSH and CLIENT KILL act on a whole server: on the shared one (6379) they would disturb whatever
    else uses it, other checkouts' suites included.
    """
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield url
    finally:
        stop_group(process)
