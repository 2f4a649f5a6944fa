"""Rate limits of the Items API: per user on every call, and per client IP on failed API-key authentication."""

from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import time
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, UserRateThrottle
from rest_framework.views import APIView

from gptactions.conf import conf

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# DRF's sliding window (the timestamps of the calls within the last `duration` seconds, a call allowed
# while there are fewer than `limit`) as one atomic step in Redis: one round trip instead of DRF's get
# then set (2 round trips and a pickled list of up to `limit` floats each way: 650-940 µs per call
# measured through Django's RedisCache), and no race between workers reading the same count.
# Redis's own clock, so that several servers agree. Returns {allowed, seconds to wait when refused}.
SLIDING_WINDOW = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local limit = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], math.ceil(duration * 1000))
    return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(duration - (now - tonumber(oldest[2])))}
"""


def parse_rate(rate: str) -> tuple[int, int]:
    """`600/min` -> (600, 60), as DRF reads a rate (the period's first letter counts)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


class SlidingWindow:
    """SLIDING_WINDOW in one Redis server, called over one kept connection per thread (and process).

    redis-py's Script call takes a connection from the pool and goes through the client's command
    machinery on every call: about 45 µs of CPU per call here, half of what the throttle costs the
    worker (measured against this path in a loop). The connection is still redis-py's own (hiredis
    parsing, its timeouts); a fork or a new thread gets a new one.
    """

    def __init__(self, location: str) -> None:
        self.pool = redis.ConnectionPool.from_url(location)
        self.sha = hashlib.sha1(SLIDING_WINDOW.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)
        self.local = threading.local()

    def __call__(self, key: str, limit: int, duration: int, member: str) -> list:
        connection = self._connection()
        command = connection.pack_command("EVALSHA", self.sha, 1, key, limit, duration, member)
        try:
            return self._send(connection, command)
        except redis.ConnectionError:
            # The server restarted or dropped an idle connection: one new connection, one more try.
            connection.disconnect()
            return self._send(connection, command)

    def _send(self, connection: redis.Connection, command: list[bytes]) -> list:
        connection.send_packed_command(command, check_health=False)
        try:
            return connection.read_response()
        except redis.exceptions.NoScriptError:  # first call, or the server forgot its scripts
            connection.send_command("SCRIPT", "LOAD", SLIDING_WINDOW)
            connection.read_response()
            connection.send_packed_command(command, check_health=False)
            return connection.read_response()

    def _connection(self) -> redis.Connection:
        kept = getattr(self.local, "kept", None)
        if kept is None or kept[0] != os.getpid():
            kept = self.local.kept = (os.getpid(), self.pool.make_connection())
        return kept[1]


@lru_cache(maxsize=4)
def _sliding_window(location: str) -> SlidingWindow:
    return SlidingWindow(location)


def redis_location() -> str | None:
    """The default cache's (first, writable) Redis server, or None when the cache is not Redis."""
    if not isinstance(caches["default"], RedisCache):
        return None
    location = settings.CACHES["default"]["LOCATION"]
    servers = location.replace(";", ",").split(",") if isinstance(location, str) else location
    return servers[0]


class ItemRateThrottle(UserRateThrottle):
    """API_THROTTLE_RATE requests per user, whatever key or token they use; 429 with Retry-After above it.

    Counts live in the default cache, so a throttled request costs no database query. With Redis as
    the cache, one atomic script per call (SLIDING_WINDOW); with another cache, DRF's own get and set.
    """

    scope = "items"

    def get_rate(self) -> str | None:
        # Read per request (DRF's THROTTLE_RATES is frozen at import), so the setting can change in tests.
        # An empty setting turns throttling off.
        return conf.API_THROTTLE_RATE or None

    def allow_request(self, request: Request, view: APIView) -> bool:
        location = redis_location()
        if location is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        member = f"{time.time()}:{secrets.token_hex(4)}"
        allowed, wait = _sliding_window(location)(cache.make_key(self.key), self.num_requests, self.duration, member)
        self._redis_wait = float(wait)
        return bool(allowed)

    def wait(self) -> float | None:
        if hasattr(self, "_redis_wait"):
            return self._redis_wait
        return super().wait()


class FailedAuthenticationThrottle:
    """API_FAILED_AUTH_RATE failed API-key authentications per client IP; then 429 with Retry-After.

    Consulted only when a key has to be looked up (not for a key verified recently: see
    gptactions.credential_cache), so the authenticated hot path pays nothing. Counts live in the default
    cache, one counter per IP (`cache.incr` is atomic in Redis) in a window that opens at the IP's first
    failure and lasts the rate's period: a clock-aligned window would let a burst across its edge through
    twice over. The client's address is DRF's (REMOTE_ADDR, or X-Forwarded-For as NUM_PROXIES says).
    """

    def __init__(self, request: Request) -> None:
        rate = conf.API_FAILED_AUTH_RATE
        self.limit, self.duration = parse_rate(rate) if rate else (0, 0)
        if rate:
            self.key = f"failed_auth_{BaseThrottle().get_ident(request)}"

    def check(self) -> None:
        """Raises Throttled (429 with Retry-After) when this client failed too often in its window."""
        if self.limit and cache.get(self.key, 0) >= self.limit:
            now = time.time()
            opened = cache.get(f"{self.key}:since", now)
            raise Throttled(wait=max(1, math.ceil(self.duration - (now - opened))))

    def record(self) -> None:
        if self.limit:
            cache.add(f"{self.key}:since", time.time(), timeout=self.duration)
            cache.add(self.key, 0, timeout=self.duration)
            try:
                cache.incr(self.key)
            except ValueError:  # expired between add and incr
                cache.add(self.key, 1, timeout=self.duration)
