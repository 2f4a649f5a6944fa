"""/mcp over plain HTTP: the challenge, per-tool scopes and which access tokens are accepted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gptcalllog.models import Call
from gptcalllog.recorder import flush
from tests.factories import SCOPE_READ, make_access_token, make_api_key, make_item, make_user

pytestmark = pytest.mark.django_db

CHALLENGE_METADATA = 'resource_metadata="https://testserver/.well-known/oauth-protected-resource/mcp"'
HEADERS = {
    "HTTP_ACCEPT": "application/json, text/event-stream",
    "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25",
}


def rpc(client: APIClient, method: str, params: dict | None = None, **extra: str):
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    return client.post("/mcp", json.dumps(body), content_type="application/json", secure=True, **HEADERS, **extra)


def tool_call(client: APIClient, name: str, arguments: dict, **extra: str):
    return rpc(client, "tools/call", {"name": name, "arguments": arguments}, **extra)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def alice():
    return make_user("alice")


def test_no_credentials_get_401_naming_the_resource_metadata(api):
    response = rpc(api, "tools/list")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == f'Bearer realm="api",{CHALLENGE_METADATA}'
    assert "detail" in response.json()


def test_an_unknown_token_gets_invalid_token_in_the_challenge(api):
    response = rpc(api, "tools/list", **bearer("not-a-token"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="api",error="invalid_token"')
    assert response["WWW-Authenticate"].endswith(CHALLENGE_METADATA)


def test_a_read_only_key_reads_and_gets_403_insufficient_scope_on_a_write_tool(api, alice):
    _, raw_key = make_api_key(alice, scopes=(SCOPE_READ,))

    listed = tool_call(api, "list_items", {}, **bearer(raw_key))
    refused = tool_call(api, "create_item", {"name": "x", "price": 1}, **bearer(raw_key))

    assert listed.status_code == 200 and listed.json()["result"]["isError"] is False
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This credential lacks the items:write scope."}
    assert refused["WWW-Authenticate"] == (
        'Bearer realm="api",error="insufficient_scope",'
        'error_description="This credential lacks the items:write scope.",scope="items:write",'
        f"{CHALLENGE_METADATA}"
    )
    assert not alice.items.exists()


def test_an_access_token_of_the_oauth_server_works(api, alice):
    make_item(alice, name="Claude")
    _, raw_token = make_access_token(alice)

    response = tool_call(api, "list_items", {}, **bearer(raw_token))

    assert response.status_code == 200
    assert response.json()["result"]["structuredContent"]["results"][0]["name"] == "Claude"


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        (["https://testserver/mcp"], 200),  # bound to this endpoint (RFC 8707)
        (["https://testserver/items"], 401),  # bound to the REST API
        (["https://elsewhere.example/mcp"], 401),  # bound to another server
        ([], 200),  # a GPT Action's token, bound to no resource
    ],
)
def test_tokens_bound_to_another_resource_are_refused(api, alice, resource, status):
    access_token, raw_token = make_access_token(alice)
    access_token.resource = resource
    access_token.save()

    response = rpc(api, "tools/list", **bearer(raw_token))

    assert response.status_code == status
    if status == 401:
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_expired_and_revoked_tokens_are_refused(api, alice):
    expired, expired_raw = make_access_token(alice)
    expired.expires = timezone.now() - timedelta(seconds=1)
    expired.save()
    revoked, revoked_raw = make_access_token(alice)
    revoked.revoke()

    for raw_token in (expired_raw, revoked_raw):
        response = rpc(api, "tools/list", **bearer(raw_token))
        assert response.status_code == 401
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_token_without_a_user_is_refused(api):
    # DOT's dynamic registration issues registration tokens without a user.
    access_token, raw_token = make_access_token()
    access_token.user = None
    access_token.save()

    response = rpc(api, "tools/list", **bearer(raw_token))

    # The validator accepts only tokens of an active user (oauthconsent.oauth): not one of nobody.
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_protected_resource_metadata_names_the_resource_server_and_scopes(client):
    response = client.get("/.well-known/oauth-protected-resource/mcp", secure=True)

    assert response.status_code == 200
    assert response.json() == {
        "resource": "https://testserver/mcp",
        "authorization_servers": ["https://testserver"],
        "scopes_supported": ["items:read", "items:write", "notes:read", "notes:write"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Items (MCP)",
    }
    issuer = client.get("/.well-known/oauth-authorization-server", secure=True).json()["issuer"]
    assert issuer == "https://testserver"


def test_metadata_follows_public_base_url(client, settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://items.example"}
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": "https://items.example"}

    metadata = client.get("/.well-known/oauth-protected-resource/mcp").json()
    challenge = rpc(client, "tools/list")["WWW-Authenticate"]

    assert metadata["resource"] == "https://items.example/mcp"
    assert metadata["authorization_servers"] == ["https://items.example"]
    assert 'resource_metadata="https://items.example/.well-known/oauth-protected-resource/mcp"' in challenge


def test_each_tool_call_is_recorded_without_its_arguments(api, alice, caplog):
    _, raw_key = make_api_key(alice, scopes=(SCOPE_READ,), name="Claude connector")
    caplog.set_level("INFO", logger="gptmcp.calls")

    tool_call(api, "get_item", {"id": 404}, **bearer(raw_key))
    tool_call(api, "create_item", {"name": "secret-name-s3cr3t", "price": 1}, **bearer(raw_key))

    records = [record.getMessage() for record in caplog.records if record.name == "gptmcp.calls"]
    assert [message.rsplit(" latency_ms=", 1)[0] for message in records] == [
        f"mcp tool=get_item status=error user={alice.pk} client=Claude connector",
        f"mcp tool=create_item status=denied user={alice.pk} client=Claude connector",
    ]
    assert "s3cr3t" not in caplog.text


def test_tool_calls_land_in_the_call_log_like_rest_calls(api, alice):
    api_key, raw_key = make_api_key(alice, scopes=(SCOPE_READ,), name="Claude connector")
    item = make_item(alice)
    chatgpt = {"HTTP_OPENAI_CONVERSATION_ID": "conv-1"}

    tool_call(api, "get_item", {"id": item.pk}, **bearer(raw_key), **chatgpt)
    tool_call(api, "get_item", {"id": 404}, **bearer(raw_key))
    tool_call(api, "create_item", {"name": "secret-name-s3cr3t", "price": 1}, **bearer(raw_key))

    flush()
    calls = list(Call.objects.order_by("id"))
    assert [(c.door, c.method, c.path, c.operation_id, c.status) for c in calls] == [
        ("mcp", "POST", "/mcp", "get_item", 200),
        ("mcp", "POST", "/mcp", "get_item", 400),
        ("mcp", "POST", "/mcp", "create_item", 403),
    ]
    assert {(c.auth_style, c.credential_id, c.credential_name, c.username) for c in calls} == {
        ("bearer", api_key.prefix, "Claude connector", alice.username)
    }
    assert calls[0].conversation_id == "conv-1"
    # The model read "No item 404 among yours."; the log keeps no argument value (issue 19).
    assert calls[1].error.startswith("No item … among yours.") and "items:write" in calls[2].error
    assert not Call.objects.filter(error__contains="s3cr3t").exists()
    assert raw_key not in repr(list(Call.objects.values()))


def test_mcp_calls_share_the_users_rate_limit_with_the_rest_api(api, alice, settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "2/min"}
    _, raw_key = make_api_key(alice)

    rest = api.get("/items/", **bearer(raw_key))
    first = rpc(api, "tools/list", **bearer(raw_key))
    limited = rpc(api, "tools/list", **bearer(raw_key))

    assert (rest.status_code, first.status_code, limited.status_code) == (200, 200, 429)
    assert int(limited["Retry-After"]) > 0 and "detail" in limited.json()


def test_get_and_delete_are_answered_without_a_session(api, alice):
    _, raw_key = make_api_key(alice)

    for method in (api.get, api.delete):
        response = method("/mcp", secure=True, **HEADERS, **bearer(raw_key))
        assert response.status_code == 405


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://testserver.evil.example"])
def test_a_page_on_another_site_is_refused_before_anything_else(api, alice, origin):
    _, raw_key = make_api_key(alice)

    response = rpc(api, "tools/list", **bearer(raw_key), HTTP_ORIGIN=origin)

    # The MCP transport spec: an invalid Origin gets 403 (DNS rebinding); not even the auth challenge.
    assert response.status_code == 403
    assert origin in response.json()["detail"]
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("origin", ["https://testserver", "http://localhost:6274", "http://127.0.0.1:5173"])
def test_own_and_loopback_pages_may_call(api, alice, origin):
    _, raw_key = make_api_key(alice)

    assert rpc(api, "tools/list", **bearer(raw_key), HTTP_ORIGIN=origin).status_code == 200
