"""The shipped production server (tunnels.server: granian, two workers) over real HTTP.

Each worker remembers the keys it verified (gptactions.credential_cache); a key revoked through one worker
must be refused by the other within API_AUTH_CACHE_SECONDS. Its access log never names the user.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import sys
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from tests.helpers.processes import free_port
from tests.test_server import manage
from tunnels.server import Server

LIFETIME = 2.0
DEMO_PASSWORD = "demo-password-1"


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str, Path]]:
    folder = tmp_path_factory.mktemp("production")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "API_"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-server-process-only",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "API_AUTH_CACHE_SECONDS": str(LIFETIME),
        "API_THROTTLE_RATE": "",
        "API_FAILED_AUTH_RATE": "off",  # the polling below fails on purpose, many times
        "RATE_LIMIT_FILE": str(folder / "ratelimits.sqlite3"),  # the other limits: this server's own
    }
    manage(env, "migrate", "--noinput")
    raw_key = manage(env, "seed_demo").splitlines()[-1]
    port = free_port()
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        server = Server(port, env, workers=2, log=log)
        assert server.argv[:3] == [sys.executable, "-m", "granian"]  # the shipped production command
        server.start(timeout=30, should_stop=lambda: False)
        try:
            yield port, raw_key, log_path
        finally:
            server.stop()


def get_item(port: int, headers: dict[str, str]) -> int:
    """A new connection each time: the two workers take turns."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/items/1", headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def revoke_in_the_admin(port: int, key_pk: int = 1) -> None:
    """Sign in to the admin and run its "Revoke selected API keys" action: one keep-alive connection, one worker."""
    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    page = session.get(f"{base}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{base}/admin/login/",
        data={"csrfmiddlewaretoken": token, "username": "demo", "password": DEMO_PASSWORD, "next": "/admin/"},
        timeout=10,
    )
    page = session.get(f"{base}/admin/gptactions/apikey/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/admin/gptactions/apikey/",
        data={"csrfmiddlewaretoken": token, "action": "revoke", "_selected_action": str(key_pk), "index": "0"},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.OK, response.status_code


def test_key_revoked_through_one_worker_is_refused_by_both_within_the_lifetime(production):
    port, raw_key, _log = production
    headers = {"api-key": raw_key}
    assert {get_item(port, headers) for _ in range(20)} == {HTTPStatus.OK}  # both workers now remember it
    revoke_in_the_admin(port)
    revoked_at = time.monotonic()
    late = []
    while time.monotonic() - revoked_at < LIFETIME + 1.5:
        status = get_item(port, headers)
        if time.monotonic() - revoked_at > LIFETIME + 0.2:  # past the lifetime: every worker must refuse
            late.append(status)
        time.sleep(0.02)
    assert len(late) >= 10
    assert set(late) == {HTTPStatus.UNAUTHORIZED}


def test_access_log_has_the_requests_but_never_the_basic_auth_key(production):
    port, raw_key, log = production
    for credentials in (raw_key, f"demo:{raw_key}"):  # as a GPT sends it, and the standard user:password
        get_item(port, {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    time.sleep(0.5)  # the log is written after the response
    text = log.read_text()
    assert re.search(r'"GET /items/1 HTTP/1.1" (200|401)', text), text[-2000:]
    assert raw_key not in text and raw_key[:13] not in text
