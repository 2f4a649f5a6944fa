from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from playwright.sync_api import Browser, sync_playwright
from pytest_django import Settings
from rest_framework.test import APIClient

from gptactions import credential_cache, ratelimit
from gptcalllog import recorder as call_log_recorder
from tests.factories import make_api_key, make_user
from tests.helpers import leftovers
from tests.helpers.api import auth_headers
from tests.helpers.browser import launch_chromium

# The run fails if a process it started is still alive (tests/helpers/leftovers.py, issue 21 finding 9).
pytest_sessionstart = leftovers.pytest_sessionstart
pytest_sessionfinish = leftovers.pytest_sessionfinish


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    # Django tests SQLite in memory, and live_server then shares one connection among all its request
    # threads: concurrent requests would not be concurrent at all. A file, as in production (WAL,
    # IMMEDIATE transactions), gives each thread its own connection and the real locking; in shared
    # memory (tmpfs) where there is one, so that the suite does not wait on the disk.
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None, prefix="test-sqlite-") as folder:
        database.setdefault("TEST", {})["NAME"] = str(Path(folder) / "test.sqlite3")
        yield


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Settings) -> None:
    # Every made user and GPT client secret is hashed; PBKDF2's many rounds would make the suite crawl,
    # and what the tests check about stored secrets holds for any hasher (identify_hasher, check_password).
    # A fixture, not a switch in config/settings.py: settings must not know whether a test is running.
    # Client secrets keep their own fast hasher (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "oauthconsent.hashers.ClientSecretSHA256Hasher",
    ]


# Servers the suite starts never share the project's data/ratelimits.sqlite3 (all of them call from
# 127.0.0.1, so one test's failures would count in another's limits): those of module-scoped fixtures get
# this run's file, those of a test the test's own (below).
os.environ["RATE_LIMIT_FILE"] = str(Path(tempfile.mkdtemp(prefix="ratelimits-")) / "ratelimits.sqlite3")


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rate-limit counts live in the cache or the machine's rate-limit file, which outlive a test, while user
    # ids repeat across tests; and each process keeps the slice of a budget it leased (gptactions.ratelimit).
    cache.clear()
    ratelimit.reset()
    budgets = str(tmp_path_factory.mktemp("ratelimits") / "ratelimits.sqlite3")  # created only if a limit is hit
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "RATE_LIMIT_FILE": budgets}
    monkeypatch.setenv("RATE_LIMIT_FILE", budgets)  # and the servers the test starts


@pytest.fixture(autouse=True)
def _call_log_kept_waiting(settings: Settings) -> Iterator[None]:
    # As on a server, each API call waits in the process's buffer (so query counts see no insert); tests
    # that read the log write it with flush(). The background writer, whose connection is outside the
    # test's transaction, never wakes during a test; tests/gptcalllog checks it on a real server.
    settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_FLUSH_SECONDS": 3600, "CALL_LOG_BATCH_SIZE": 1_000_000}
    yield
    call_log_recorder.discard()


def _fresh_credential_memory() -> None:
    # Each test starts with no remembered key or token (gptactions.credential_cache), as a new process does.
    credential_cache.api_keys.clear()
    credential_cache.access_tokens.clear()


@pytest.fixture
def user() -> AbstractBaseUser:
    return make_user("alice")


@pytest.fixture
def raw_key(user: AbstractBaseUser) -> str:
    return make_api_key(user)[1]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def keyed_api(raw_key: str) -> APIClient:
    """A client sending the user's read/write key in the custom header."""
    client = APIClient()
    client.credentials(**auth_headers("custom", raw_key))
    return client


@pytest.fixture
def client_for() -> Callable[[str, str], APIClient]:
    def build(style: str, key: str) -> APIClient:
        client = APIClient()
        client.credentials(**auth_headers(style, key))
        return client

    return build


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The project's WSGI application, to call in-process inside the test's transaction.

    As Django's test client does: a real handler closes "old" connections at the end of each request,
    which on PostgreSQL would close the connection holding the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Debian's Chromium, headless, for page tests."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls around it are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
