"""GET /healthz: 200 while the database (and Redis, when it is the cache) answers, 503 otherwise."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from config import health
from tests.helpers.redis_cache import redis_as_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_down_yet():
    """Each process remembers what its probes found down (one log line per outage): each test starts afresh."""
    health._down.clear()
    yield
    health._down.clear()


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


def test_probes_while_redis_is_down_log_one_line_and_one_when_it_answers_again(client, settings, caplog):
    with caplog.at_level(logging.INFO):
        with redis_as_cache(settings, location="redis://127.0.0.1:1/0"):
            probes = [client.get("/healthz") for _ in range(3)]
        with redis_as_cache(settings):
            probes.append(client.get("/healthz"))

    assert [probe.status_code for probe in probes] == [503, 503, 503, 200]
    assert probes[0]["Retry-After"]
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    down, back = (record.getMessage() for record in lines)
    assert down.startswith("Health check: Redis (CACHE_URL) does not answer (")
    assert back == "Health check: Redis (CACHE_URL) answers again."
    assert all(record.exc_info is None for record in lines)  # no traceback


class ProbeHostTests:
    """Under a production ALLOWED_HOSTS, probes name their target's address (issue 21, finding 11)."""

    @pytest.fixture(autouse=True)
    def production_hosts(self, settings):
        settings.ALLOWED_HOSTS = ["api.example.com"]

    @pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "10.0.1.23:8000", "[::1]:8000"])
    def test_a_probe_of_another_host_is_answered_without_a_logged_error(self, client, caplog, host):
        with caplog.at_level(logging.INFO):
            response = client.get("/healthz", HTTP_HOST=host, REMOTE_ADDR="10.0.0.2")
        assert response.status_code == HTTPStatus.OK
        assert response.json() == {"status": "ok"}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert int(response.headers["Content-Length"]) == len(response.content)
        assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    def test_the_database_down_is_still_503_for_a_probe(self, client, monkeypatch):
        def refuse(self: BaseDatabaseWrapper) -> None:
            raise OperationalError("connection refused")

        monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
        assert client.get("/healthz", HTTP_HOST="10.0.1.23").status_code == HTTPStatus.SERVICE_UNAVAILABLE

    @pytest.mark.parametrize("path", ["/items/", "/healthz/", "/admin/login/", "/"])
    def test_every_other_path_still_refuses_the_host(self, client, path):
        assert client.get(path, HTTP_HOST="10.0.1.23:8000").status_code == HTTPStatus.BAD_REQUEST

    def test_the_allowed_host_goes_down_the_usual_chain(self, client):
        response = client.get("/healthz", HTTP_HOST="api.example.com")
        assert response.status_code == HTTPStatus.OK
        # A plain Django view: the project's whole MIDDLEWARE (config/api_paths.py), the language included.
        assert response.headers["Content-Language"] == "en"
