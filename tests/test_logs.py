"""No secret in any log, at any level (issue 10, finding 3).

A real server, started as `manage.py tunnel` starts it (tunnels.server.Server: granian, access log
on, DEBUG off), with DJANGO_LOG_LEVEL=DEBUG, serves API-key calls in every style and the whole OAuth
flow; then its output is searched for every secret that went through it.
"""

from __future__ import annotations

import base64
import os
import re
from urllib.parse import quote, urlencode

import pytest
import requests

from tests.helpers.oauth import GPT_CALLBACK, UserAgent, query_of
from tests.helpers.processes import free_port
from tests.test_server import manage
from tunnels.server import Server, tunnel_environment

PASSWORD = "demo-password-for-the-log-test"


@pytest.fixture
def server_env(tmp_path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-log-test-only",
        "DEMO_PASSWORD": PASSWORD,
        "DJANGO_LOG_LEVEL": "DEBUG",
    }


def test_no_secret_reaches_the_logs_at_debug_level(server_env, capfd):
    manage(server_env, "migrate", "--noinput")
    raw_key = manage(server_env, "seed_demo").splitlines()[-1]
    registered = manage(server_env, "register_gpt_client", "--name", "Log GPT", "--callback", GPT_CALLBACK)
    client_id = re.search(r"^client_id: (\S+)$", registered, re.MULTILINE)[1]
    client_secret = re.search(r"^client_secret: (\S+)$", registered, re.MULTILINE)[1]
    capfd.readouterr()  # what the commands printed is not the server's log

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = Server(port, {**server_env, **tunnel_environment(base_url), "DJANGO_DEBUG": "0"})
    server.start(timeout=30, should_stop=lambda: False)
    try:
        secrets = {"API key": raw_key, "password": PASSWORD, "client secret": client_secret}
        basic_key = base64.b64encode(raw_key.encode()).decode()
        secrets["API key in base64"] = basic_key
        for headers in (
            {"Authorization": f"Basic {basic_key}"},
            {"Authorization": "Basic " + base64.b64encode(f"demo:{raw_key}".encode()).decode()},
            {"Authorization": f"Bearer {raw_key}"},
            {"api-key": raw_key},
            {"api-key": raw_key[:-1] + "X"},  # a wrong key: its refusal is logged too
        ):
            requests.get(f"{base_url}/items/", headers=headers, timeout=10)

        browser = UserAgent(base_url)
        browser.post("/oauth/login/", {"username": "demo", "password": "wrong " + PASSWORD})
        query = urlencode(
            {"response_type": "code", "client_id": client_id, "redirect_uri": GPT_CALLBACK, "state": "s1"}
        )
        authorize = f"{base_url}/oauth/authorize/?{query}"
        code = query_of(browser.authorize(authorize, username="demo", password=PASSWORD))["code"]
        secrets["code"] = code
        token = requests.post(
            f"{base_url}/oauth/token/",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": GPT_CALLBACK},
            auth=(client_id, client_secret),
            timeout=10,
        ).json()
        token = requests.post(  # the body style of client authentication
            f"{base_url}/oauth/token/",
            data={
                "grant_type": "refresh_token",
                "refresh_token": token["refresh_token"],
                "client_id": client_id,
                "client_secret": client_secret,
            },
            timeout=10,
        ).json()
        secrets |= {"access token": token["access_token"], "refresh token": token["refresh_token"]}
        requests.get(f"{base_url}/items/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
        requests.post(  # a replay, refused and logged as such
            f"{base_url}/oauth/token/",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": GPT_CALLBACK},
            auth=(client_id, client_secret),
            timeout=10,
        )
        requests.post(
            f"{base_url}/oauth/revoke_token/",
            data={"token": token["access_token"]},
            auth=(client_id, client_secret),
            timeout=10,
        )
    finally:
        server.stop()

    out, err = capfd.readouterr()
    logs = out + err
    assert '"GET /items/ HTTP/1.1" 200' in logs  # the access log was on
    assert "Unauthorized: /items/" in logs  # and Django's own log
    leaked = [name for name, secret in secrets.items() if secret in logs or quote(secret, safe="") in logs]
    assert leaked == [], f"{leaked} in the logs"
