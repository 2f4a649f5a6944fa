"""Rate limiting of the Items API: 429 with Retry-After, per user, documented in the schema."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path

import pytest
import redis
import schemathesis
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory
from schemathesis.specs.openapi.checks import (
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gptactions import ratelimit
from gptactions.keys import new_raw_key
from gptactions.throttling import UserRateLimit
from tests.factories import make_api_key, make_user
from tests.helpers.api import auth_headers
from tests.helpers.processes import evaluated_in_fresh_process, free_port, stop_group
from tests.helpers.redis_cache import own_redis_server, redis_as_cache

pytestmark = pytest.mark.django_db


class ItemThrottleTests:
    def test_over_the_rate_is_429_with_retry_after(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min"}
        statuses = [api.get("/items/", **auth_headers("custom", raw_key)).status_code for _ in range(4)]
        assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
        response = api.get("/items/", **auth_headers("custom", raw_key))
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert 0 < int(response["Retry-After"]) <= 60
        assert response.json()["detail"].startswith("Request was throttled.")

    def test_counted_per_user_across_keys_and_styles(self, api, user, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "2/min"}
        _, first = make_api_key(user)
        _, second = make_api_key(user)
        _, other_users = make_api_key(make_user())
        assert api.get("/items/", **auth_headers("bearer", first)).status_code == HTTPStatus.OK
        assert api.get("/items/", **auth_headers("basic", second)).status_code == HTTPStatus.OK
        assert api.get("/items/", **auth_headers("custom", first)).status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert api.get("/items/", **auth_headers("custom", other_users)).status_code == HTTPStatus.OK

    def test_empty_rate_turns_it_off(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": ""}
        statuses = {api.get("/items/", **auth_headers("custom", raw_key)).status_code for _ in range(30)}
        assert statuses == {HTTPStatus.OK}

    def test_throttled_request_costs_no_query_once_the_key_is_known(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "1/min"}
        api.get("/items/", **auth_headers("custom", raw_key))
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/items/", **auth_headers("custom", raw_key))
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]  # the key was verified just before

    def test_429_conforms_to_the_schema(self, raw_key, settings, wsgi_app):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "1/min"}
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json&auth=custom", wsgi_app)
        operation = schema["/items/"]["GET"]
        case = operation.Case(headers={"api-key": raw_key})
        case.call()
        response = case.call()
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        case.validate_response(
            response, checks=[status_code_conformance, response_schema_conformance, response_headers_conformance]
        )

    def test_concurrent_callers_never_exceed_the_rate_through_the_file(self, settings):
        """Without Redis, through RATE_LIMIT_FILE (the suite gives each test a file of its own)."""
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "25/min"}
        request = APIRequestFactory().get("/items/")
        request.user = make_user()

        def allowed(_: int) -> bool:
            return UserRateLimit().allow_request(request, None)

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(allowed, range(100)))
        assert answers.count(True) == 25
        assert Path(settings.GPT_ACTIONS["RATE_LIMIT_FILE"]).exists()

    def test_a_large_limit_asks_the_file_once_per_lease(self, settings, monkeypatch):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "6400/min"}  # leases of 200
        request = APIRequestFactory().get("/items/")
        request.user = make_user()
        asked = []
        take = ratelimit.FileStore.take
        monkeypatch.setattr(ratelimit.FileStore, "take", lambda store, *args: asked.append(args) or take(store, *args))
        answers = [UserRateLimit().allow_request(request, None) for _ in range(1000)]
        assert answers == [True] * 1000
        assert len(asked) == 5

    def test_bad_rate_is_a_system_check_error(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "lots"}
        assert [message.id for message in run_checks() if message.id.startswith("gptactions.")] == ["gptactions.E003"]


class RedisThrottleTests:
    """With Redis as the cache: one atomic script per lease, shared by every process, no lost updates."""

    @pytest.fixture
    def sent_commands(self, monkeypatch) -> list[bytes]:
        """The name of each command sent to Redis from now on (EVALSHA, SCRIPT, ...), in order."""
        sent = []
        real_send = redis.connection.AbstractConnection.send_packed_command

        def send(connection, command, *args, **kwargs):
            sent.append(b"".join(command).split(b"\r\n")[2])
            return real_send(connection, command, *args, **kwargs)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)
        return sent

    def test_a_small_limit_leases_call_by_call_and_a_spent_window_costs_no_round_trip(
        self, api, raw_key, settings, sent_commands
    ):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min"}
        with redis_as_cache(settings):
            get = lambda: api.get("/items/", **auth_headers("custom", raw_key))  # noqa: E731
            get()  # loads the script into Redis once
            sent_commands.clear()
            statuses = [get().status_code for _ in range(3)]
            throttled = get()
            commands = list(sent_commands)
        # Under a limit of 64 a lease is one call (exact sharing); the call that takes the last unit learns
        # that the window is spent, so the refusals until it closes ask nothing.
        assert commands == [b"EVALSHA"] * 2
        assert statuses == [HTTPStatus.OK] * 2 + [HTTPStatus.TOO_MANY_REQUESTS]
        assert throttled.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert 55 <= int(throttled["Retry-After"]) <= 60

    def test_a_large_limit_makes_one_round_trip_per_lease(self, settings, sent_commands):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "6400/min"}  # leases of 200
        request = APIRequestFactory().get("/items/")
        request.user = make_user()
        with redis_as_cache(settings):
            UserRateLimit().allow_request(request, None)  # loads the script into Redis once
            sent_commands.clear()
            answers = [UserRateLimit().allow_request(request, None) for _ in range(999)]
            commands = list(sent_commands)
        assert answers == [True] * 999
        assert commands == [b"EVALSHA"] * 4  # calls 201, 401, 601 and 801

    def test_the_script_is_loaded_again_when_redis_forgot_it(self, api, raw_key, settings, sent_commands):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min"}
        # SCRIPT FLUSH empties a whole server's script cache: a server of the test's own, never the shared one.
        with own_redis_server() as url, redis_as_cache(settings, location=url):
            get = lambda: api.get("/items/", **auth_headers("custom", raw_key))  # noqa: E731
            get()
            redis.Redis.from_url(url).script_flush()  # a restarted server knows no script
            sent_commands.clear()
            statuses = [get().status_code for _ in range(3)]
            commands = list(sent_commands)
        assert commands == [b"EVALSHA", b"SCRIPT", b"EVALSHA", b"EVALSHA"]  # the refusal asks nothing
        assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]  # the count survived

    def test_the_caches_options_are_honoured(self, api, user, raw_key, settings):
        """The script runs on the database (and so with the credentials, TLS, ...) that CACHES names."""
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "1/min"}
        prefix = f"test-{uuid.uuid4().hex[:12]}"
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379",
                "KEY_PREFIX": prefix,
                "OPTIONS": {"db": 12},  # this test's own database number
            }
        }
        ours, default_db = redis.Redis(db=12), redis.Redis(db=0)
        try:
            statuses = [api.get("/items/", **auth_headers("custom", raw_key)).status_code for _ in range(2)]
            assert statuses == [HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
            assert [key.decode() for key in ours.scan_iter(match=f"{prefix}:*")] == [
                f"{prefix}:1:budget:throttle_api_{user.pk}"
            ]
            assert list(default_db.scan_iter(match=f"{prefix}:*")) == []
        finally:
            for key in ours.scan_iter(match=f"{prefix}:*"):
                ours.delete(key)

    def test_a_connection_the_server_dropped_is_replaced(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min"}
        # CLIENT KILL on the shared server would drop other suites' connections too.
        with own_redis_server() as url, redis_as_cache(settings, location=url):
            get = lambda: api.get("/items/", **auth_headers("custom", raw_key))  # noqa: E731
            assert get().status_code == HTTPStatus.OK
            client = redis.Redis.from_url(url)
            ours = [c for c in client.client_list() if c["cmd"] == "evalsha"]
            assert ours, client.client_list()
            for connection in ours:
                client.client_kill_filter(_id=connection["id"])
            statuses = [get().status_code for _ in range(3)]
        assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]

    def test_concurrent_callers_never_exceed_the_rate(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "25/min"}
        user = make_user()
        request = APIRequestFactory().get("/items/")
        request.user = user

        def allowed(_: int) -> bool:
            return UserRateLimit().allow_request(request, None)

        with redis_as_cache(settings), ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(allowed, range(100)))
        assert answers.count(True) == 25


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port, socket_connect_timeout=0.5).ping()
            return process
        except redis.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


class RedisDownTests:
    """Issue 21, finding 16: with Redis down the limits fail open, with one log line per outage, never a 500."""

    @staticmethod
    def outage_lines(caplog) -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "gptactions.ratelimit"]

    def test_calls_are_answered_and_the_outage_is_logged_once(self, api, raw_key, settings, caplog):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min", "API_FAILED_AUTH_RATE": "2/min"}
        with redis_as_cache(settings, location=f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
            statuses = [api.get("/items/", **auth_headers("custom", raw_key)).status_code for _ in range(20)]
            wrong = [api.get("/items/", **auth_headers("custom", new_raw_key())).status_code for _ in range(5)]
        assert statuses == [HTTPStatus.OK] * 20  # fail open: the limit is not enforced, nothing is a 500
        assert wrong == [HTTPStatus.UNAUTHORIZED] * 5
        lines = self.outage_lines(caplog)
        assert len(lines) == 1, lines
        assert lines[0].startswith("Redis is not answering")

    def test_limits_hold_again_once_redis_is_back(self, api, raw_key, settings, caplog, monkeypatch):
        monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.0)  # try Redis again on the next call
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "3/min"}
        port = free_port()
        get = lambda: api.get("/items/", **auth_headers("custom", raw_key)).status_code  # noqa: E731
        server = start_redis(port)
        try:
            with redis_as_cache(settings, location=f"redis://127.0.0.1:{port}/0"):
                before = [get() for _ in range(2)]
                stop_group(server)
                during = [get() for _ in range(5)]
                server = start_redis(port)  # a restarted Redis: empty, and no script loaded
                after = [get() for _ in range(4)]
        finally:
            stop_group(server)
        assert before == [HTTPStatus.OK] * 2
        assert during == [HTTPStatus.OK] * 5
        assert after == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]  # a new window in the new Redis
        lines = self.outage_lines(caplog)
        assert [line.split(" (")[0].split(" after")[0] for line in lines] == [
            "Redis is not answering",
            "Redis answers again",
        ], lines


class RateFromEnvironmentTests:
    """README: an empty API_THROTTLE_RATE means no limit (django-environ reads "" as unset, hence a subprocess)."""

    @staticmethod
    def rates_with(environment: dict[str, str]) -> list[str | None]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "DJANGO_"))}
        code = (
            "import django; django.setup(); from gptactions.conf import conf; "
            "print(repr([conf.API_THROTTLE_RATE, conf.API_FAILED_AUTH_RATE]))"
        )
        return evaluated_in_fresh_process(code, {**env, **environment})

    def test_empty_turns_both_limits_off(self):
        assert self.rates_with({"API_THROTTLE_RATE": "", "API_FAILED_AUTH_RATE": ""}) == ["", None]

    def test_unset_keeps_the_defaults_and_a_value_is_taken(self):
        assert self.rates_with({}) == ["600/min", "30/min"]
        assert self.rates_with({"API_THROTTLE_RATE": "5/s", "API_FAILED_AUTH_RATE": "off"}) == ["5/s", None]

    def test_an_empty_rate_lets_every_call_through(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": ""}
        statuses = {api.get("/items/", **auth_headers("custom", raw_key)).status_code for _ in range(5)}
        assert statuses == {HTTPStatus.OK}
