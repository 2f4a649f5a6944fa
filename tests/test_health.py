"""GET /healthz: 200 while the database (and Redis, when it is the cache) answers, 503 otherwise."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from tests.helpers.redis_cache import redis_as_cache

pytestmark = pytest.mark.django_db


def test_healthy_is_200_ok_without_credentials_session_or_more_than_one_query(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert [query["sql"] for query in queries.captured_queries] == ["SELECT 1"]


def test_head_answers_too(client):
    assert client.head("/healthz").status_code == HTTPStatus.OK


def test_database_down_is_503(client, monkeypatch):
    def refuse(self: BaseDatabaseWrapper) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "detail": "Not answering: database."}


def test_redis_cache_answering_is_200(client, settings):
    with redis_as_cache(settings):
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK


def test_redis_cache_down_is_503(client, settings):
    with redis_as_cache(settings, location="redis://127.0.0.1:1/0"):  # nothing listens on port 1
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"status": "unavailable", "detail": "Not answering: cache."}
