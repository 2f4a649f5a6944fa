"""Budgets of N calls per window, shared by every process, at O(1) per call and no round trip on most calls.

Every limit of the platform (the per-user API throttle, failed API-key authentication, failed OAuth client
authentication, dynamic client registration) is a `Budget`: `limit` units per window of `duration` seconds
for a key (a user, an address). A window opens at the key's first call after the previous one closed and
lasts `duration` seconds: not a clock-aligned window (which a burst straddling a round minute would get
through twice over however few the calls before it), but not a sliding one either: calls at the very end
of a window and the start of the next can reach twice the limit within one period, the price of O(1).

The shared store only counts the units it has handed out in the key's window: Redis when it is the default
cache (one atomic script, Redis's clock); with the local-memory cache, the SQLite file RATE_LIMIT_FILE that
every process on the machine opens (one atomic statement, the machine's clock); another cache through its
`add` and `incr`. Each process *leases* a
slice of them (`lease_size`: 1 for a limit under 64, limit/32 up to 1,000 above) and spends it locally
under a lock, so most calls cost a dict lookup and a subtraction: no pickled history, no network. What
a process leased and did not spend expires with the window (there is nothing to give back to a window
that has closed). A process that learnt the window is spent refuses without asking again until it closes.

The guarantee, for P processes sharing a store:
- admitted calls per window never exceed `limit` (the store never hands out more; a lease is spent only
  before the window's end as the store's clock reported it, measured from before the request was sent);
- a call is refused while budget sits unused in other processes by at most (P - 1) x (lease_size - 1)
  units per window (each process holds at most one lease, and spent one unit of it when it took it):
  nothing below a limit of 64, at most 1/32 of the limit per other process above;
- `Retry-After` is the time left in the window;
- a limit on failures asks `spent()` before the work (local: no round trip) and `take()`s a unit after a
  failure: one process answers exactly `limit` failures, then refuses; P processes together answer at most
  `limit` + P - 1 attempts that fail (each process learns the window is spent by taking from it).
With the local-memory cache and RATE_LIMIT_FILE empty, "shared" means this process only.

Redis down: the choice is to fail open. A call that needs the store while it does not answer is admitted,
one warning is logged when the outage starts and one line when Redis answers again, and the store is not
tried again for `RETRY_SECONDS` (so an outage costs nothing per call and fills no log). The API keeps
answering; limits hold again within a second of Redis coming back. The same for a RATE_LIMIT_FILE that
cannot be written.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import redis
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.commands.core import Script

from gptactions.conf import conf

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RETRY_SECONDS = 1.0  # while Redis is down, how long the store is left alone after a failed attempt
MAX_LEASE = 1000


def parse_rate(rate: str) -> tuple[int, int]:
    """`600/min` -> (600, 60), as DRF reads a rate (the period's first letter counts)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def lease_size(limit: int) -> int:
    """How many units a process takes from the store at once: 1 under 64 (exact sharing), then limit/32."""
    return max(1, min(MAX_LEASE, limit // 32))


# KEYS[1]: the units handed out in the key's window. ARGV: limit, window in ms, units wanted.
# Returns {granted, ms left in the window, 1 if nothing is left after this grant}. The count is created
# with the window's expiry, so the window opens at the key's first lease. Redis's clock times it.
LEASE = """
local limit = tonumber(ARGV[1])
local wanted = tonumber(ARGV[3])
local taken = redis.call('INCRBY', KEYS[1], wanted)
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    left = tonumber(ARGV[2])
end
local granted = math.max(0, math.min(wanted, limit - (taken - wanted)))
return {granted, left, (taken - wanted + granted >= limit) and 1 or 0}
"""


class StoreUnavailable(Exception):
    """The shared store did not answer."""


# The redis-py client of each RedisCache object (one per thread, as Django keeps caches) and LEASE registered
# on it: built once, since a new redis.Redis copies its table of response callbacks on every construction.
_clients: WeakKeyDictionary[RedisCache, tuple[redis.Redis, Script]] = WeakKeyDictionary()


def redis_client() -> redis.Redis | None:
    """A client of the default cache's (first, writable) Redis server, or None when the cache is not Redis.

    It is Django's RedisCache client's own (the `_cache` of the backend, its get_client()), so its connection
    pool is built from CACHES as the cache's is: the LOCATION's scheme (rediss:// for TLS), credentials and
    database, and OPTIONS (db, username, password, ssl settings, pool_class, socket timeouts, retry).
    """
    default = caches["default"]
    if not isinstance(default, RedisCache):
        return None
    return _redis(default)[0]


def _redis(default: RedisCache) -> tuple[redis.Redis, Script]:
    pair = _clients.get(default)
    if pair is None:
        client = default._cache.get_client(write=True)
        pair = _clients[default] = (client, client.register_script(LEASE))  # EVALSHA; SCRIPT LOAD if forgotten
    return pair


class _Outage:
    """Whether the shared store is down, as this process saw it last; one log line when that changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.retry_at = 0.0

    def skip(self) -> bool:
        return self.since is not None and time.monotonic() < self.retry_at

    def failed(self, store: str, error: Exception) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if self.since is None:
                self.since = time.monotonic()
                logger.warning("%s is not answering (%s): rate limits are not enforced until it is back.", store, error)

    def answered(self, store: str) -> None:
        if self.since is None:
            return
        with self.lock:
            if self.since is not None:
                down = time.monotonic() - self.since
                logger.warning("%s answers again after %.1f s: rate limits are enforced.", store, down)
                self.since = None


outage = _Outage()


def _take_from_redis(script: Script, key: str, limit: int, duration: int, wanted: int) -> tuple[int, float, bool]:
    if outage.skip():
        raise StoreUnavailable
    try:
        granted, left_ms, exhausted = script(keys=[key], args=[limit, duration * 1000, wanted])
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
        outage.failed("Redis", error)
        raise StoreUnavailable from error
    outage.answered("Redis")
    return int(granted), int(left_ms) / 1000, bool(exhausted)


def _take_from_cache(key: str, limit: int, duration: int, wanted: int) -> tuple[int, float, bool]:
    """The same lease through Django's cache API (atomic `incr` in the local-memory cache, per process)."""
    now = time.time()
    cache.add(f"{key}:since", now, timeout=duration)
    cache.add(key, 0, timeout=duration)
    try:
        taken = cache.incr(key, wanted)
    except ValueError:  # expired between add and incr
        cache.set(key, wanted, timeout=duration)
        taken = wanted
    opened = cache.get(f"{key}:since", now)
    granted = max(0, min(wanted, limit - (taken - wanted)))
    return granted, max(0.0, opened + duration - now), taken - wanted + granted >= limit


# One statement, so atomic between processes: a key's window, opened by its first lease or reopened once
# it has closed, and the units handed out in it. Wall-clock time, which every process on the machine shares.
FILE_SCHEMA = "CREATE TABLE IF NOT EXISTS budget (key TEXT PRIMARY KEY, ends REAL NOT NULL, taken INTEGER NOT NULL)"
FILE_LEASE = """
INSERT INTO budget (key, ends, taken) VALUES (:key, :now + :duration, :wanted)
ON CONFLICT (key) DO UPDATE SET
    taken = CASE WHEN ends <= :now THEN excluded.taken ELSE taken + excluded.taken END,
    ends = CASE WHEN ends <= :now THEN excluded.ends ELSE ends END
RETURNING taken, ends
"""


class FileStore:
    """Budgets in a SQLite file of their own that every process on the machine opens (RATE_LIMIT_FILE):
    what the workers of one server share when the cache is the local-memory one. Its own connection
    (one per process, used under the module's lock), outside Django's databases and their transactions."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None
        self.pid = 0
        self.leases = 0

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(FILE_SCHEMA)
        return connection

    def take(self, key: str, limit: int, duration: int, wanted: int) -> tuple[int, float, bool]:
        if outage.skip():
            raise StoreUnavailable
        now = time.time()
        try:
            if self.connection is None or self.pid != os.getpid():  # never a connection inherited through fork
                self.connection, self.pid = self._connect(), os.getpid()
            params = {"key": key, "now": now, "duration": duration, "wanted": wanted}
            ((taken, ends),) = self.connection.execute(FILE_LEASE, params).fetchall()
            self.leases += 1
            if self.leases % 1000 == 0:  # windows that closed: amortised O(1) per lease
                self.connection.execute("DELETE FROM budget WHERE ends <= ?", (now,))
        except sqlite3.Error as error:
            self.connection = None
            outage.failed(f"The rate-limit file {self.path}", error)
            raise StoreUnavailable from error
        outage.answered(f"The rate-limit file {self.path}")
        granted = max(0, min(wanted, limit - (taken - wanted)))
        return granted, max(0.0, ends - now), taken - wanted + granted >= limit


_files: dict[str, FileStore] = {}


def take_from_store(key: str, limit: int, duration: int, wanted: int) -> tuple[int, float, bool]:
    """(units granted, seconds left in the key's window, whether none are left) from the shared store.

    Redis when it is the default cache; with the local-memory cache (one per process), the RATE_LIMIT_FILE
    every process on the machine shares (when set); another cache (Memcached, ...) through its own API.
    StoreUnavailable if the store does not answer.
    """
    key = f"budget:{key}"  # not the names of the former throttles' values (a Redis sorted set, a pickled list)
    default = caches["default"]
    if isinstance(default, RedisCache):
        return _take_from_redis(_redis(default)[1], default.make_key(key), limit, duration, wanted)
    path = conf.RATE_LIMIT_FILE
    if path and isinstance(default, LocMemCache):
        store = _files.get(path) or _files.setdefault(path, FileStore(path))
        return store.take(default.make_key(key), limit, duration, wanted)
    return _take_from_cache(key, limit, duration, wanted)


@dataclass
class Lease:
    ends: float  # time.monotonic() at which the window closes (never later than the store's own end)
    units: int  # leased and not yet spent
    last: bool  # the store has no more to give in this window: when units run out, refuse without asking


_leases: dict[tuple[str, int, int], Lease] = {}
# Guards _leases. Held across a store request too (one call in lease_size), so that two threads of a process
# never both lease for the same key; the local step it guards otherwise is a few dict and integer operations.
_lock = threading.Lock()


@receiver(setting_changed)
def _forget_leases(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "GPT_ACTIONS", "OAUTH_CONSENT"):
        reset()


def reset() -> None:
    """Forget this process's leases and outage (tests, and a change of settings)."""
    with _lock:
        _leases.clear()
        for store in _files.values():
            if store.connection is not None:
                store.connection.close()
        _files.clear()
    outage.since, outage.retry_at = None, 0.0


_sweep_at = 10_000


def _prune(now: float) -> None:
    """Drops leases whose window has closed once the table has doubled since the last sweep (amortised O(1))."""
    global _sweep_at
    if len(_leases) >= _sweep_at:
        for name in [name for name, lease in _leases.items() if lease.ends <= now]:
            del _leases[name]
        _sweep_at = max(10_000, 2 * len(_leases))


class Budget:
    """`limit` units per `duration` seconds for `key`, shared by every process (see the module's docstring)."""

    def __init__(self, key: str, limit: int, duration: int) -> None:
        self.key, self.limit, self.duration = key, limit, duration
        self.retry_after: float | None = None

    def _lease(self, now: float) -> Lease | None:
        """The key's lease in this process if its window is open."""
        lease = _leases.get((self.key, self.limit, self.duration))
        return lease if lease is not None and lease.ends > now else None

    def take(self) -> bool:
        """Spend one unit: True if the call is admitted (and always while the store is down).

        From the local lease when it has a unit; else from the store, unless the store said this window
        has nothing left (then refused, with no round trip).
        """
        with _lock:
            now = time.monotonic()
            lease = self._lease(now)
            if lease is not None and lease.units > 0:
                lease.units -= 1
                return True
            if lease is not None and lease.last:
                self.retry_after = lease.ends - now
                return False
            try:
                granted, left, last = take_from_store(self.key, self.limit, self.duration, lease_size(self.limit))
            except StoreUnavailable:
                return True
            _prune(now)
            # Measured from before the request was sent: the lease never outlives the store's window.
            _leases[(self.key, self.limit, self.duration)] = Lease(
                ends=now + left, units=max(0, granted - 1), last=last
            )
            if granted == 0:
                self.retry_after = left
                return False
            return True

    def spent(self) -> bool:
        """Whether this process knows the window has nothing left (no round trip): for limits on failures,
        asked before the work whose failure take() then counts."""
        with _lock:
            now = time.monotonic()
            lease = self._lease(now)
            if lease is not None and lease.units <= 0 and lease.last:
                self.retry_after = lease.ends - now
                return True
            return False

    def wait(self) -> int:
        """Whole seconds until the window that refused the call closes (Retry-After), at least 1."""
        return max(1, math.ceil(self.retry_after if self.retry_after is not None else self.duration))
