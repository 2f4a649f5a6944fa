"""The per-user limit across two server processes (issue 20), sharing one Redis, or with the local-memory cache
the machine's rate-limit file (RATE_LIMIT_FILE): each leases slices of the user's budget and spends them
locally; together they never admit more than the limit."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
import requests

from gptactions import ratelimit
from tests.factories import make_api_key, make_user
from tests.helpers.processes import servers
from tests.test_scale_out import database_url
from tests.test_server import REDIS_TEST_URL, require_redis

LIMIT = 640  # leases of 20


@pytest.fixture(params=["redis", "file"])
def two_servers(request, transactional_db, tmp_path) -> Iterator[tuple[tuple[str, str], str]]:
    if request.param == "redis":
        require_redis()
        store = {
            "CACHE_URL": REDIS_TEST_URL,
            "CACHE_KEY_PREFIX": f"throttle-processes-{secrets.token_hex(4)}",  # this run's own keys, never flushed
        }
    else:
        store = {"RATE_LIMIT_FILE": str(tmp_path / "ratelimits.sqlite3")}  # and the local-memory cache
    _, raw_key = make_api_key(make_user())
    excluded = ("DJANGO_", "DATABASE_URL", "CACHE_", "API_", "RATE_LIMIT_FILE")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(excluded)},
        "DATABASE_URL": database_url(),
        **store,
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-throttle-test-only",
        "DJANGO_DEBUG": "0",
        "DJANGO_CONN_MAX_AGE": "0",  # the test database is flushed and dropped after the test
        "API_THROTTLE_RATE": f"{LIMIT}/min",
        "CALL_LOG": "0",
    }
    with servers(env) as urls:
        yield (urls[0], urls[1]), raw_key


class CrossProcessTests:
    """Two server processes sharing one store: admitted calls never exceed the limit, and the calls refused
    while budget sat unused in the other process are at most lease_size - 1 (gptactions.ratelimit)."""

    def test_two_servers_admit_at_most_the_limit_and_refuse_little_early(self, two_servers):
        (first, second), raw_key = two_servers
        limit = LIMIT
        urls = [f"{first}/items/", f"{second}/items/"]

        def call(n: int) -> requests.Response:
            return requests.get(urls[n % 2], headers={"api-key": raw_key}, timeout=30)

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(call, range(limit + 60)))
        statuses = [response.status_code for response in responses]
        admitted = statuses.count(HTTPStatus.OK)
        assert set(statuses) == {HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS}
        assert limit - (ratelimit.lease_size(limit) - 1) <= admitted <= limit
        waits = {int(r.headers["Retry-After"]) for r in responses if r.status_code == HTTPStatus.TOO_MANY_REQUESTS}
        assert waits and all(0 < wait <= 60 for wait in waits)
        # Both servers refused once the window was spent, and each still refuses now.
        assert {call(n).status_code for n in range(4)} == {HTTPStatus.TOO_MANY_REQUESTS}
