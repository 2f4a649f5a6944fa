"""A database that does not answer: 503 with Retry-After and one log line, at both doors (issue 21, finding 16).

bench/faults.py's PostgreSQL restart under load saw 500s with a traceback each before this.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from gptactions import unavailable
from tests.factories import make_api_key, make_item
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

MCP_HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25"}


@pytest.fixture(autouse=True)
def no_outage_yet():
    unavailable.outage.since, unavailable.outage.failed_calls = None, 0
    yield
    unavailable.outage.since, unavailable.outage.failed_calls = None, 0


@pytest.fixture
def take_database_down(monkeypatch):
    """Call it once the test's data is saved: from then on every new cursor fails with error."""

    def down(error: Exception) -> None:
        def refuse(self: BaseDatabaseWrapper) -> None:
            raise error

        monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)

    return down


def warnings_and_errors(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_calls_while_the_database_is_down_get_503_json_with_retry_after_and_one_log_line(
    api, caplog, take_database_down
):
    _, raw_key = make_api_key()
    headers = auth_headers("custom", raw_key)
    take_database_down(OperationalError("connection failed: FATAL:  the database system is shutting down"))

    with caplog.at_level(logging.INFO):
        answers = [api.get("/items/", **headers), api.post("/items/", {"name": "x", "price": 1}, **headers)]

    for response in answers:
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
        assert set(response.json()) == {"detail"}
        assert "database does not answer" in response.json()["detail"]
    [line] = warnings_and_errors(caplog)
    assert line.getMessage().startswith("The database does not answer (connection failed: FATAL:")
    assert line.exc_info is None  # no traceback


def test_a_stale_connection_is_503_and_the_next_call_gets_through_with_one_line_saying_so(
    api, caplog, monkeypatch, take_database_down
):
    _, raw_key = make_api_key()
    headers = auth_headers("bearer", raw_key)
    take_database_down(InterfaceError("the connection is closed"))
    with caplog.at_level(logging.INFO):
        refused = api.get("/items/", **headers)
        monkeypatch.undo()
        answered = api.get("/items/", **headers)

    assert refused.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert answered.status_code == HTTPStatus.OK
    down, back = (record.getMessage() for record in warnings_and_errors(caplog))
    assert down.startswith("The database does not answer (the connection is closed)")
    assert back.startswith("The database answers again after") and back.endswith("(1 calls answered 503).")


def test_a_database_error_that_is_no_outage_stays_a_500(api, take_database_down):
    _, raw_key = make_api_key()
    take_database_down(IntegrityError("duplicate key value"))
    api.raise_request_exception = False
    response = api.get("/items/", **auth_headers("custom", raw_key))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR


def mcp_call(api, raw_key: str, item_id: int):
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "get_item", "arguments": {"id": item_id}},
    }
    return api.post(
        "/mcp", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw_key}", **MCP_HEADERS
    )


def test_mcp_while_the_database_is_down_is_a_json_rpc_error_with_retry_after(api, caplog, take_database_down):
    _, raw_key = make_api_key()
    take_database_down(OperationalError("connection failed: FATAL:  the database system is shutting down"))

    with caplog.at_level(logging.INFO):
        response = mcp_call(api, raw_key, 1)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == str(unavailable.RETRY_AFTER_SECONDS)
    error = response.json()["error"]
    assert response.json()["jsonrpc"] == "2.0"
    assert "database does not answer" in error["message"]
    [line] = warnings_and_errors(caplog)
    assert line.exc_info is None


def test_an_mcp_tool_whose_view_finds_the_database_down_is_a_tool_error_saying_to_retry(
    api, caplog, take_database_down
):
    key, raw_key = make_api_key()
    item = make_item(key.user)
    assert "result" in mcp_call(api, raw_key, item.pk).json()  # the key is now in the credential memory
    take_database_down(OperationalError("consuming input failed: server closed the connection unexpectedly"))
    with caplog.at_level(logging.INFO):
        response = mcp_call(api, raw_key, item.pk)

    result = response.json()["result"]
    assert result["isError"] is True
    [text] = [part["text"] for part in result["content"]]
    assert text == str(unavailable.MESSAGE)
    assert "closed the connection" not in text  # the server's own error stays in its log
    [line] = warnings_and_errors(caplog)
    assert "server closed the connection unexpectedly" in line.getMessage()
    assert line.exc_info is None
