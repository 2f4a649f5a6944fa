"""The MCP Apps view over /mcp with the SDK's client (issue 19, build 3): the extension is declared, list and get
tools name their view, resources/list and resources/read serve it with its CSP, the HTML holds no user data and
nothing external, and list and get results say which of the view's tools the caller's credential may call."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from rest_framework.test import APIClient

from gptmcp.app_view import EXTENSION, MIME_TYPE
from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import bearer, post_rpc, with_http_client
from tests.notes.models import Note

ITEMS_VIEW = "ui://gptmcp/items/view.html"
NOTES_VIEW = "ui://gptmcp/notes/view.html"
# "legacy": the 2025 handshake ChatGPT and Claude speak today; "auto": the SDK's newest (2026-07-28, stateless).
MODES = pytest.mark.parametrize("mode", ["auto", "legacy"])
EMPTY_CSP = {"connectDomains": [], "resourceDomains": [], "frameDomains": [], "baseUriDomains": []}


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def full_key(alice) -> dict[str, str]:
    return bearer(make_api_key(alice)[1])


@pytest.mark.django_db(transaction=True)
def test_the_server_declares_the_ui_extension(live_server, full_key):
    async def session(client: Client):
        return client.protocol_version, client.server_capabilities

    version, capabilities = with_http_client(live_server.url + "/mcp", session, headers=full_key)
    assert version == "2026-07-28"  # the SDK's 2025 schemas have no `extensions`: hosts there read the tools' _meta
    assert capabilities.extensions == {EXTENSION: {"mimeTypes": [MIME_TYPE]}}
    assert capabilities.resources is not None


@pytest.mark.django_db(transaction=True)
@MODES
def test_list_and_get_tools_name_their_view_and_the_view_is_listed(live_server, full_key, mode):
    async def session(client: Client):
        tools = (await client.list_tools()).tools
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        return {tool.name: tool.meta for tool in tools}, resources, templates

    metas, resources, templates = with_http_client(live_server.url + "/mcp", session, headers=full_key, mode=mode)
    assert templates == []  # answered, not "method not found": the views have fixed URIs
    views = {
        "list_items": ITEMS_VIEW,
        "get_item": ITEMS_VIEW,
        "list_notes": NOTES_VIEW,
        "get_note": NOTES_VIEW,
    }
    for name, uri in views.items():
        assert metas[name]["ui"] == {"resourceUri": uri, "visibility": ["model", "app"]}, name
        assert metas[name]["openai/outputTemplate"] == uri
        assert metas[name]["openai/widgetAccessible"] is True
    # The writes the view offers may be called from it; they render no view of their own.
    for name in ("update_item", "delete_item", "delete_note"):
        assert metas[name] == {"openai/widgetAccessible": True}, name
    for name in ("create_item", "create_note", "search", "fetch"):
        assert not (metas[name] or {}).get("ui"), name
    listed = {resource.uri: resource for resource in resources}
    assert set(listed) == {ITEMS_VIEW, NOTES_VIEW}
    for resource in listed.values():
        assert resource.mime_type == MIME_TYPE
        assert resource.meta == {"ui": {"csp": EMPTY_CSP, "prefersBorder": True}}


@pytest.mark.django_db(transaction=True)
@MODES
def test_resources_read_serves_each_view_without_user_data_or_anything_external(live_server, alice, full_key, mode):
    make_item(alice, name="Zebra lamp 7731", description="Secret shelf note 5520")
    Note.objects.create(owner=alice, title="Dentist 4411", body="Bring card 9902")

    async def session(client: Client):
        return {uri: await client.read_resource(uri) for uri in (ITEMS_VIEW, NOTES_VIEW)}

    results = with_http_client(live_server.url + "/mcp", session, headers=full_key, mode=mode)
    for uri, result in results.items():
        (content,) = result.contents
        assert content.uri == uri
        assert content.mime_type == MIME_TYPE
        assert content.meta == {"ui": {"csp": EMPTY_CSP, "prefersBorder": True}}
        html = content.text
        assert html.startswith("<!DOCTYPE html>")
        for secret in ("Zebra lamp", "7731", "5520", "Dentist", "4411", "9902", "alice"):
            assert secret not in html, (uri, secret)
        assert re.search(r"https?://|//[a-z0-9]", html, re.IGNORECASE) is None  # no URL, protocol-relative included
        assert re.search(r"<link\b|@import|url\(|<iframe\b|\bsrc=", html, re.IGNORECASE) is None
    config = json.loads(
        re.search(r'id="view-config"[^>]*>(.*?)</script>', results[NOTES_VIEW].contents[0].text).group(1)
    )
    assert config["tools"] == {"list": "list_notes", "retrieve": "get_note", "destroy": "delete_note"}
    assert [column["name"] for column in config["columns"]] == ["id", "title", "body", "pinned"]
    assert config["labels"]["zh-hans"]["title"] == "标题"  # the notes app's own catalog
    assert config["messages"]["zh-hans"]["delete"] == "删除"


@pytest.mark.django_db(transaction=True)
def test_an_unknown_resource_is_a_jsonrpc_error(live_server, full_key):
    async def session(client: Client):
        with pytest.raises(MCPError) as refused:
            await client.read_resource("ui://gptmcp/nothing/view.html")
        return refused.value

    error = with_http_client(live_server.url + "/mcp", session, headers=full_key)
    assert error.error.code == -32602
    assert ITEMS_VIEW in error.error.message


@pytest.mark.django_db
@pytest.mark.parametrize("uri", ["ui://gptmcp/nothing/view.html", "", "x" * 5000, 12])
def test_a_bad_resource_uri_over_raw_json_rpc_is_an_error_never_a_500(alice, uri):
    authorization = f"Bearer {make_api_key(alice)[1]}"
    response = post_rpc(APIClient(), "resources/read", {"uri": uri}, id=7, HTTP_AUTHORIZATION=authorization)
    assert response.status_code < 500
    answer = response.json()
    assert answer["id"] == 7
    assert answer["error"]["code"] == -32602


@pytest.mark.django_db(transaction=True)
@MODES
@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (None, ["list_items", "get_item", "update_item", "delete_item"]),
        (("items:read",), ["list_items", "get_item"]),
    ],
)
def test_list_and_get_results_say_which_tools_the_credential_may_call(live_server, alice, scopes, allowed, mode):
    item = make_item(alice, name="Kettle")
    key = bearer(make_api_key(alice, scopes=scopes)[1])

    async def session(client: Client):
        listed = await client.call_tool("list_items", {})
        got = await client.call_tool("get_item", {"id": item.pk})
        created = await client.call_tool("create_item", {"name": "Cup", "price": 2}) if scopes is None else None
        return listed, got, created

    listed, got, created = with_http_client(live_server.url + "/mcp", session, headers=key, mode=mode)
    assert listed.structured_content["results"][0]["name"] == "Kettle"
    assert listed.meta["gptmcp/allowedTools"] == allowed
    assert got.structured_content["name"] == "Kettle"
    assert got.meta["gptmcp/allowedTools"] == allowed
    if created is not None:
        assert "gptmcp/allowedTools" not in (created.meta or {})  # a write renders no view: nothing to offer
