from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.test import APIClient

from tests.factories import make_api_key, make_user


def auth_headers(style: str, raw_key: str) -> dict[str, str]:
    """Request headers (test-client form) carrying raw_key in one GPT auth style."""
    if style == "basic":
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw_key.encode()).decode()}
    if style == "bearer":
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    if style == "custom":
        return {"HTTP_API_KEY": raw_key}
    raise ValueError(style)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    # Rate-limit counts live in the cache, which outlives a test, while user ids repeat across tests.
    cache.clear()


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
