"""Protocol details real clients found in /mcp (issue 19, "Protocol details found by real clients", 1 to 8)."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

import httpx2
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from rest_framework.test import APIClient

from gptcalllog.models import Call
from gptcalllog.recorder import flush
from tests.factories import make_access_token, make_api_key, make_user
from tests.helpers.mcp import bearer, post_rpc, with_http_client

pytestmark = pytest.mark.django_db

HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25"}
INSPECTOR = "http://localhost:6274"


def post(client: APIClient, body: object, *, content_type: str = "application/json", **extra: str):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/mcp", data, content_type=content_type, secure=True, **HEADERS, **extra)


def rpc(client: APIClient, method: str, params: dict | None = None, **extra: str):
    return post_rpc(client, method, params or {}, **extra)


def tool_call_raw(client: APIClient, name: str, arguments_json: str, **extra: str):
    """A tools/call whose arguments are written as JSON text (a 5,000-digit number is no Python int to dump)."""
    params = f'{{"name": "{name}", "arguments": {arguments_json}}}'
    body = f'{{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {params}}}'
    return post(client, body, **extra)


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def key(alice) -> dict[str, str]:
    _, raw_key = make_api_key(alice)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


class GetTests:
    """1. GET /mcp is 405 with Allow, whatever it accepts, never DRF's 406."""

    @pytest.mark.parametrize("accept", ["text/event-stream", "text/html", "application/json", "*/*", None])
    @pytest.mark.parametrize("authenticated", [True, False])
    def test_get_is_405_with_allow(self, api, key, accept, authenticated):
        headers = {"HTTP_ACCEPT": accept} if accept else {}

        response = api.get("/mcp", secure=True, **headers, **(key if authenticated else {}))

        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert response["Allow"] == "POST, OPTIONS"
        assert response["Content-Type"] == "application/json"


class CorsTests:
    """2. A loopback page (the MCP Inspector) passes the preflight and reads the answers; other pages get nothing."""

    PREFLIGHT = {
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, mcp-protocol-version",
    }

    @pytest.mark.parametrize("origin", [INSPECTOR, "http://127.0.0.1:5173", "https://testserver"])
    def test_an_allowed_page_passes_the_preflight_without_credentials(self, api, origin):
        response = api.options("/mcp", secure=True, HTTP_ORIGIN=origin, **self.PREFLIGHT)

        assert response.status_code == HTTPStatus.NO_CONTENT
        assert response["Access-Control-Allow-Origin"] == origin
        assert "POST" in response["Access-Control-Allow-Methods"]
        allowed = {name.strip().lower() for name in response["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type", "mcp-protocol-version"} <= allowed
        exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
        assert {"mcp-session-id", "www-authenticate"} <= exposed
        assert "Origin" in response["Vary"]

    def test_the_pages_calls_carry_the_allowance_401_included(self, api, key):
        answered = rpc(api, "tools/list", HTTP_ORIGIN=INSPECTOR, **key)
        challenged = rpc(api, "tools/list", HTTP_ORIGIN=INSPECTOR)

        assert answered.status_code == HTTPStatus.OK
        assert challenged.status_code == HTTPStatus.UNAUTHORIZED
        for response in (answered, challenged):
            assert response["Access-Control-Allow-Origin"] == INSPECTOR
            assert "WWW-Authenticate" in response["Access-Control-Expose-Headers"]

    @pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost.evil.example"])
    def test_another_page_gets_no_allowance_and_stays_refused(self, api, key, origin):
        preflight = api.options("/mcp", secure=True, HTTP_ORIGIN=origin, **self.PREFLIGHT)
        call = rpc(api, "tools/list", HTTP_ORIGIN=origin, **key)

        for response in (preflight, call):
            assert response.status_code == HTTPStatus.FORBIDDEN
            assert not [name for name in response.headers if name.lower().startswith("access-control-")]

    def test_no_origin_no_cors_headers(self, api, key):
        response = rpc(api, "tools/list", **key)

        assert response.status_code == HTTPStatus.OK
        assert "Access-Control-Allow-Origin" not in response


class RefusedTokenTests:
    """3. A refused token's body says why, as its challenge does (error="invalid_token"), at /mcp and REST alike."""

    def test_mcp(self, api):
        response = rpc(api, "tools/list", HTTP_AUTHORIZATION="Bearer wrong")

        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert response.json() == {"detail": "The access token is invalid."}

    def test_rest(self, api):
        response = api.get("/items/", secure=True, HTTP_AUTHORIZATION="Bearer wrong")

        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert response.json() == {"detail": "The access token is invalid."}

    def test_no_credentials_still_say_so(self, api):
        assert rpc(api, "tools/list").json() == {"detail": "Authentication credentials were not provided."}


def test_a_call_logs_no_sdk_transport_lines(api, key, caplog):
    """4. The SDK's "Terminating session: None" (INFO, mcp.server.streamable_http) stays out of the log."""
    caplog.set_level(logging.INFO)  # the root's level; the SDK's loggers keep what LOGGING gives them

    assert rpc(api, "tools/list", **key).status_code == HTTPStatus.OK

    assert not [record for record in caplog.records if record.name.startswith("mcp.server.streamable_http")]


class BodyTests:
    """5. A batch is -32600 Invalid Request; a body that is not JSON gets a JSON-RPC error, not an HTML page."""

    def test_a_batch_is_invalid_request(self, api, key):
        response = post(api, [{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}], **key)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        body = response.json()
        assert body["id"] is None and body["error"]["code"] == -32600
        assert "batch" in body["error"]["message"]

    def test_a_batch_of_tool_calls_runs_none(self, api, key, alice):
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
        batch = [{**call, "params": {"name": "create_item", "arguments": {"name": "x", "price": 1}}}]

        assert post(api, batch, **key).json()["error"]["code"] == -32600
        assert not alice.items.exists()

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/html"])
    def test_a_body_that_is_not_json_gets_a_jsonrpc_error(self, api, key, content_type):
        response = post(api, "hello", content_type=content_type, **key)

        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == -32600

    def test_json_that_does_not_parse_is_a_parse_error(self, api, key):
        response = post(api, "{not json", **key)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["error"]["code"] == -32700


class UnknownToolTests:
    """6. An unknown tool is the protocol error -32602, and still a row of the call log."""

    def test_over_http(self, api, key):
        response = rpc(api, "tools/call", {"name": "drop_table", "arguments": {}}, **key)

        error = response.json()["error"]
        assert error["code"] == -32602
        assert error["message"].startswith('There is no tool "drop_table".')
        flush()
        call = Call.objects.get()
        assert (call.operation_id, call.status) == ("drop_table", 400)
        assert call.error.startswith("There is no tool ….")

    @pytest.mark.django_db(transaction=True)
    def test_through_the_sdk_client(self, live_server, alice):
        _, raw_key = make_api_key(alice)

        async def session(client: Client):
            with pytest.raises(MCPError) as refused:
                await client.call_tool("drop_table", {})
            return refused.value

        error = with_http_client(live_server.url + "/mcp", session, headers=bearer(raw_key))

        assert error.code == -32602


class ResourceTests:
    """7. /mcp checks a token's audience against the resource it advertises (PUBLIC_BASE_URL + /mcp, RFC 9728)."""

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize(
        ("resource", "status"),
        [
            (["https://public.example/mcp"], HTTPStatus.OK),  # what the metadata advertises
            (["https://public.example/items"], HTTPStatus.UNAUTHORIZED),
            (["https://elsewhere.example/mcp"], HTTPStatus.UNAUTHORIZED),
        ],
    )
    def test_behind_a_proxy_that_does_not_pass_the_public_host(self, live_server, settings, resource, status):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://public.example"}
        access_token, raw_token = make_access_token(make_user("alice"))
        access_token.resource = resource
        access_token.save()
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}

        response = httpx2.post(f"{live_server.url}/mcp", json=body, headers=headers | bearer(raw_token))

        assert live_server.url.startswith("http://127.0.0.1:") or live_server.url.startswith("http://localhost:")
        assert response.status_code == status
        if status == HTTPStatus.UNAUTHORIZED:
            assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
            assert "not valid for this resource" in response.json()["detail"]

    @pytest.mark.django_db(transaction=True)
    def test_the_sdk_client_with_a_token_for_the_advertised_resource(self, live_server, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://public.example"}
        access_token, raw_token = make_access_token(make_user("alice"))
        access_token.resource = ["https://public.example/mcp"]
        access_token.save()

        async def session(client: Client):
            return (await client.list_tools()).tools

        assert with_http_client(live_server.url + "/mcp", session, headers=bearer(raw_token))


class ArgumentsNotLoggedTests:
    """8. Messages may name an argument, the call log never holds its value; huge integers are a clean refusal."""

    def test_a_5000_digit_page_is_a_clean_error_and_a_row(self, api, key):
        as_text = tool_call_raw(api, "list_items", f'{{"page": "{"9" * 5000}"}}', **key)
        as_number = tool_call_raw(api, "list_items", f'{{"page": {"9" * 5000}}}', **key)

        result = as_text.json()["result"]
        assert result["isError"] is True
        assert result["content"][0]["text"] == "page must be a whole number from 1; or leave it out."
        # As a JSON number it is past what the SDK's JSON parser reads: a parse error, before any tool runs.
        assert (as_number.status_code, as_number.json()["error"]["code"]) == (HTTPStatus.BAD_REQUEST, -32700)
        assert "limit" not in as_number.json()["error"]["message"]
        flush()
        assert [(c.operation_id, c.status, c.error) for c in Call.objects.all()] == [
            ("list_items", 400, "page must be a whole number from 1; or leave it out.")
        ]

    def test_the_call_log_keeps_no_argument_value(self, api, key, alice):
        calls = [
            ("get_item", {"id": "s3cr3t-id"}),
            ("get_item", {"id": 987654}),
            ("list_items", {"page": "s3cr3t-page"}),
            ("create_item", {"name": "x", "price": 1, "s3cr3t-name": "s3cr3t-value"}),
            ("create_item", {"name": "x" * 500, "price": "s3cr3t-price"}),
        ]

        models_saw = []
        for name, arguments in calls:
            result = rpc(api, "tools/call", {"name": name, "arguments": arguments}, **key).json()["result"]
            assert result["isError"] is True
            models_saw.append(result["content"][0]["text"])

        assert "987654" in models_saw[1]  # the model may see its own argument ("No item 987654 among yours.")
        assert '"s3cr3t-name"' in models_saw[3]
        flush()
        errors = list(Call.objects.order_by("id").values_list("error", flat=True))
        assert len(errors) == len(calls) and all(errors)
        assert not [error for error in errors if "s3cr3t" in error or "987654" in error or "xxxx" in error]

    def test_rest_answers_a_5000_digit_page_with_a_clean_400(self, api, key):
        response = api.get("/items/", {"page": "9" * 5000}, secure=True, **key)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"detail": "page must be a whole number from 1; or leave it out."}
