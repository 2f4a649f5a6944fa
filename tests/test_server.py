"""The production command, as a user runs it: gunicorn on a fresh SQLite file, over real HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

import pytest
import redis

from tests.helpers.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
# Redis runs on this project's machines and CI's; database 15 is the tests' own.
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Server:
    def __init__(self, port: int, access_log: Path | None = None) -> None:
        self.port = port
        self.access_log = access_log

    def request(self, method: str, path: str, body: object = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, path)
        payload = json.dumps(body).encode() if body is not None else b""
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(payload)))
        conn.endheaders(payload)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data


@contextmanager
def gunicorn_serving(folder: Path, **extra_env: str) -> Iterator[tuple[Server, str]]:
    """gunicorn (2 workers) on a fresh, seeded SQLite file in folder; yields the server and the demo key."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-server-process-only",
        "DEMO_PASSWORD": "demo-password-1",
        **extra_env,
    }
    manage(env, "migrate", "--noinput")
    raw_key = manage(env, "seed_demo").splitlines()[-1]
    port = free_port()
    access_log = folder / "access.log"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "4"),
            *("--access-logfile", str(access_log)),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        yield Server(port, access_log), raw_key
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    with gunicorn_serving(tmp_path_factory.mktemp("db")) as served:
        yield served


class ProductionServerTests:
    def test_access_log_has_the_format_of_gunicorn_conf_and_no_basic_key(self, server):
        srv, raw_key = server
        basic = "Basic " + base64.b64encode(f"demo:{raw_key}".encode()).decode()
        response, _ = srv.request("GET", "/items/1?page=2", headers={"Authorization": basic, "User-Agent": 'GPT "A"'})
        assert response.status == HTTPStatus.OK
        deadline = time.monotonic() + 5
        while "/items/1" not in srv.access_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)  # written after the response
        text = srv.access_log.read_text()
        line = re.compile(r'^127\.0\.0\.1 \[[^]]+\] "GET /items/1 HTTP/1\.1" 200 \d+ \d+ms "GPT \\"A\\""$', re.M)
        assert line.search(text), text
        assert raw_key not in text and "page=2" not in text and "demo" not in text

    def test_seeded_item_one_with_custom_header(self, server):
        srv, raw_key = server
        response, data = srv.request("GET", "/items/1", headers={"api-key": raw_key})
        assert response.status == HTTPStatus.OK
        assert json.loads(data) | {"created_at": 0, "updated_at": 0} == {
            "id": 1,
            "name": "ChatGPT",
            "description": "OpenAI LLM",
            "price": 20.0,
            "tax": None,
            "created_at": 0,
            "updated_at": 0,
        }

    @pytest.mark.parametrize(
        "headers",
        [
            {"api-key": b"\xff\xfe\x80"},
            {"Authorization": b"Basic \xff\xfe"},
            {"Authorization": b"Bearer gpta_\xc3\x28"},
            {"Authorization": "Basic " + "A" * 7000},
            {"api-key": "x" * 7000},
        ],
        ids=["non-utf8-header", "non-utf8-basic", "invalid-utf8-bearer", "7kb-basic", "7kb-header"],
    )
    def test_hostile_headers_on_the_wire_get_json_401(self, server, headers):
        srv, _ = server
        response, data = srv.request("GET", "/items/", headers=headers)
        assert response.status == HTTPStatus.UNAUTHORIZED
        assert response.getheader("WWW-Authenticate")
        assert "detail" in json.loads(data)

    def test_unknown_path_is_json_404(self, server):
        srv, raw_key = server
        response, data = srv.request("GET", "/nope", headers={"api-key": raw_key, "Accept": "application/json"})
        assert response.status == HTTPStatus.NOT_FOUND
        assert json.loads(data) == {"detail": "Not found."}

    def test_admin_static_files_are_served_with_debug_off(self, server):
        srv, _ = server
        response, data = srv.request("GET", "/static/admin/css/base.css")
        assert response.status == HTTPStatus.OK
        assert b"body" in data

    def test_concurrent_writers_in_two_processes_lose_nothing(self, server):
        srv, raw_key = server

        def create(n: int) -> int:
            response, _ = srv.request("POST", "/items", {"name": f"c{n}", "price": n}, headers={"api-key": raw_key})
            return response.status

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(80)))
        assert statuses == [HTTPStatus.CREATED] * 80
        _, data = srv.request("GET", "/items?page_size=1", headers={"api-key": raw_key})
        assert json.loads(data)["count"] == 82


def test_debug_off_without_secret_key_stops_with_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_DEBUG": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    out = manage(
        env,
        "shell",
        "-c",
        "from django.db import connection as c; cur = c.cursor(); cur.execute('PRAGMA journal_mode');"
        "print(cur.fetchone()[0], c.transaction_mode, c.settings_dict['CONN_MAX_AGE'])",
    )
    assert out.splitlines()[-1].split() == ["wal", "IMMEDIATE", "600"]


class NotFoundPageTests:
    def test_api_client_gets_json_404(self, client):
        response = client.get("/no-such-page", HTTP_ACCEPT="*/*")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "Not found."}

    def test_browser_gets_html_404(self, client):
        response = client.get("/no-such-page", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response["Content-Type"].startswith("text/html")


def require_redis() -> None:
    """Without Redis the test fails at once, saying what to start.

    Nothing is flushed: parallel runs of the suite may share the database; each test keeps to a key prefix.
    """
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        # Not a skip: CI runs Redis (.ci/run), and a skipped test would hide a missing one.
        pytest.fail(
            "Redis is not answering on 127.0.0.1:6379: start it (`redis-server`), as .ci/run does", pytrace=False
        )


def test_rate_limit_is_shared_by_all_workers_with_a_redis_cache(tmp_path):
    require_redis()
    prefix = f"workers-{secrets.token_hex(4)}"
    env = {"CACHE_URL": REDIS_TEST_URL, "CACHE_KEY_PREFIX": prefix, "API_THROTTLE_RATE": "6/min"}
    with gunicorn_serving(tmp_path, **env) as (srv, raw_key):
        statuses = []
        for _ in range(10):  # a new connection each time: the two workers take turns
            response, _ = srv.request("GET", "/items/", headers={"api-key": raw_key})
            statuses.append(response.status)
    assert statuses == [HTTPStatus.OK] * 6 + [HTTPStatus.TOO_MANY_REQUESTS] * 4
