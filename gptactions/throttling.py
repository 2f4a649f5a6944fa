"""Rate limits of the API: per user on every call, and per client IP on failed API-key authentication."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from weakref import WeakKeyDictionary

import redis
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


SLIDING_WINDOW_SHA = hashlib.sha1(SLIDING_WINDOW.encode()).hexdigest()  # noqa: S324 (Redis names scripts so)

# The redis-py client of each RedisCache object (one per thread, as Django keeps caches): built once, since
# a new redis.Redis copies its table of response callbacks on every construction.
_clients: WeakKeyDictionary[RedisCache, redis.Redis] = WeakKeyDictionary()


def redis_client() -> redis.Redis | None:
    """A client of the default cache's (first, writable) Redis server, or None when the cache is not Redis.

    It is Django's RedisCache client's own (the `_cache` of the backend, its get_client()), so its connection
    pool is built from CACHES as the cache's is: the LOCATION's scheme (rediss:// for TLS), credentials and
    database, and OPTIONS (db, username, password, ssl settings, pool_class, socket timeouts, retry).
    """
    default = caches["default"]
    if not isinstance(default, RedisCache):
        return None
    client = _clients.get(default)
    if client is None:
        client = _clients[default] = default._cache.get_client(write=True)
    return client


def sliding_window(client: redis.Redis, key: str, limit: int, duration: int, member: str) -> list:
    """SLIDING_WINDOW's answer for key: one EVALSHA (redis-py retries it on a dropped connection)."""
    try:
        return client.evalsha(SLIDING_WINDOW_SHA, 1, key, limit, duration, member)
    except redis.exceptions.NoScriptError:  # first call, or the server forgot its scripts
        client.script_load(SLIDING_WINDOW)
        return client.evalsha(SLIDING_WINDOW_SHA, 1, key, limit, duration, member)


class UserRateLimit(UserRateThrottle):
    """API_THROTTLE_RATE requests per user, whatever key or token they use; 429 with Retry-After above it.

    Counts live in the default cache, so a throttled request costs no database query. With Redis as
    the cache, one atomic script per call (SLIDING_WINDOW); with another cache, DRF's own get and set.
    """

    scope = "api"  # one budget per user across every registered resource and both front doors

    def get_rate(self) -> str | None:
        # Read per request (DRF's THROTTLE_RATES is frozen at import), so the setting can change in tests.
        # An empty setting turns throttling off.
        return conf.API_THROTTLE_RATE or None

    def allow_request(self, request: Request, view: APIView) -> bool:
        client = redis_client()
        if client is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        member = f"{time.time()}:{secrets.token_hex(4)}"
        allowed, wait = sliding_window(client, cache.make_key(self.key), self.num_requests, self.duration, member)
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
