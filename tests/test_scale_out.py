"""Two server processes on one database and one Redis, as behind a load balancer (issue 10, scale-out).

A sign-in lockout, a rate limit and a token revocation made through one instance hold on the other.
The servers share the test database (PostgreSQL, or the SQLite file under `make test`), whose rows
this test commits (transactional_db), and Redis, under a key prefix of this run's own.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from http import HTTPStatus

import pytest
import requests
from django.db import connection

from tests.factories import PASSWORD, make_access_token, make_api_key, make_gpt_client, make_user
from tests.helpers.oauth import UserAgent, forms_of
from tests.helpers.processes import servers
from tests.test_server import REDIS_TEST_URL, require_redis


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


# How long each instance may go on trusting a token it verified (items/credential_cache.py).
CREDENTIAL_MEMORY_SECONDS = 1


def refused_within(url: str, headers: dict[str, str], seconds: float) -> requests.Response:
    """The first 401 for url within seconds (the last answer if none came)."""
    deadline = time.monotonic() + seconds
    while True:
        response = requests.get(url, headers=headers, timeout=10)
        if response.status_code == HTTPStatus.UNAUTHORIZED or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


@pytest.fixture
def two_instances(transactional_db) -> Iterator[tuple[str, str]]:
    require_redis()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_"))},
        "DATABASE_URL": database_url(),
        "CACHE_URL": REDIS_TEST_URL,
        "CACHE_KEY_PREFIX": f"scale-out-{secrets.token_hex(4)}",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-scale-out-test-only",
        "DJANGO_DEBUG": "0",
        "DJANGO_CONN_MAX_AGE": "0",  # the test database is flushed and dropped after the test
        "SIGNIN_FAILURE_LIMIT": "3",
        "API_THROTTLE_RATE": "5/min",
        "API_AUTH_CACHE_SECONDS": str(CREDENTIAL_MEMORY_SECONDS),
    }
    with servers(env) as urls:
        yield urls[0], urls[1]


def sign_in(base_url: str, password: str) -> int:
    agent = UserAgent(base_url)
    page = agent.get("/oauth/login/")
    data = {**forms_of(page.text)[-1]["fields"], "username": "alice", "password": password}
    return agent.post("/oauth/login/", data).status_code


def test_lockout_throttle_and_revocation_made_through_one_instance_hold_on_the_other(two_instances):
    first, second = two_instances
    alice = make_user("alice")
    _, raw_key = make_api_key(alice)
    application, client_secret = make_gpt_client()
    _, access_token = make_access_token(make_user("bob"), application=application)

    # A lockout: three wrong passwords through the first, then the right one through the second.
    assert [sign_in(first, "wrong") for _ in range(3)][-1] == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(second, PASSWORD) == HTTPStatus.TOO_MANY_REQUESTS

    # A rate limit: five calls through the first use up the minute on the second too.
    statuses = [requests.get(f"{first}/items/", headers={"api-key": raw_key}, timeout=10).status_code for _ in range(5)]
    assert statuses == [HTTPStatus.OK] * 5
    throttled = requests.get(f"{second}/items/", headers={"api-key": raw_key}, timeout=10)
    assert throttled.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(throttled.headers["Retry-After"]) > 0

    # A revocation: the second serves bob's token, the first revokes it, the second refuses it once its
    # memory of the token has expired (API_AUTH_CACHE_SECONDS).
    bearer = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    assert requests.get(f"{second}/items/", headers=bearer, timeout=10).status_code == HTTPStatus.OK
    revoked = requests.post(
        f"{first}/oauth/revoke_token/",
        data={"token": access_token},
        auth=(application.client_id, client_secret),
        timeout=10,
    )
    assert revoked.status_code == HTTPStatus.OK
    refused = refused_within(f"{second}/items/", bearer, CREDENTIAL_MEMORY_SECONDS + 1)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
