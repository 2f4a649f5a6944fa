"""What the per-user throttle costs per call, in-process, by cache and limit (issue 20, build item 1).

    .venv/bin/python bench/throttle_cost.py [--calls 20000] [--redis redis://127.0.0.1:6379/14]

For each store (the local-memory cache alone; with the machine's rate-limit file, as `make serve` runs;
Redis when it answers) and each limit, one user's calls go
through UserRateLimit.allow_request until the limit or --calls; the figure is the mean over the last
1,000 calls (for a history-based throttle, where the history is longest). Redis keys live under a
prefix of the run's own and are deleted afterwards (never FLUSHDB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMITS = [600, 6_000, 60_000, 1_000_000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    import redis
    from django.contrib.auth.models import AnonymousUser
    from django.core.cache import cache
    from django.test import override_settings
    from rest_framework.test import APIRequestFactory

    from gptactions.throttling import UserRateLimit

    class User(AnonymousUser):  # no database: the throttle reads only pk and is_authenticated
        pk = id = 1
        is_authenticated = True

    request = APIRequestFactory().get("/items/")
    request.user = User()
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    folder = tempfile.mkdtemp(prefix="bench-throttle-")
    caches = {"local memory": (locmem, ""), "file": (locmem, os.path.join(folder, "ratelimits.sqlite3"))}
    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=1).ping()
        prefix = f"bench-throttle-{uuid.uuid4().hex[:8]}"
        redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": args.redis}
        caches["redis"] = ({**redis_cache, "KEY_PREFIX": prefix}, "")
    except redis.ConnectionError:
        print(f"(Redis at {args.redis} is not answering: local memory only)")
    print(f"{'cache':<14}{'limit/min':>12}{'calls':>8}{'µs/call':>10}")
    for name, (cache_settings, rate_limit_file) in caches.items():
        for limit in LIMITS:
            actions = {"API_THROTTLE_RATE": f"{limit}/min", "RATE_LIMIT_FILE": rate_limit_file}
            with override_settings(CACHES={"default": cache_settings}, GPT_ACTIONS=actions):
                if name != "redis":
                    cache.clear()
                request.user.pk = request.user.id = limit  # a fresh budget per row
                calls = min(limit, args.calls)
                for _ in range(calls - 1000):
                    UserRateLimit().allow_request(request, None)
                start = time.perf_counter()
                for _ in range(1000):
                    UserRateLimit().allow_request(request, None)
                per_call = (time.perf_counter() - start) / 1000 * 1e6
            print(f"{name:<14}{limit:>12,}{calls:>8,}{per_call:>10.1f}")
    if "redis" in caches:
        client = redis.Redis.from_url(args.redis)
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
