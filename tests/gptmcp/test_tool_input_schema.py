"""The Server's tool-schema lookup: what the SDK's 2026-07-28 transport reads instead of a whole tools/list per call."""

from __future__ import annotations

from unittest import mock

import pytest
from mcp_types.version import LATEST_MODERN_VERSION
from rest_framework.test import APIClient

from gptmcp import server
from gptmcp.documents import all_tools, tool_input_schema
from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import post_rpc

pytestmark = pytest.mark.django_db


def modern_call(client: APIClient, tool: str, arguments: dict):
    """A tools/call as the SDK's own client sends it in 2026-07-28: an envelope in _meta, routing headers."""
    envelope = {
        "io.modelcontextprotocol/protocolVersion": LATEST_MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return post_rpc(
        client,
        "tools/call",
        {"name": tool, "arguments": arguments, "_meta": envelope},
        HTTP_MCP_PROTOCOL_VERSION=LATEST_MODERN_VERSION,
        HTTP_MCP_METHOD="tools/call",
        HTTP_MCP_NAME=tool,
    )


@pytest.fixture
def client() -> APIClient:
    alice = make_user("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(alice)[1]}")
    client.item = make_item(alice, name="Lamp").pk
    return client


def test_the_lookup_gives_each_tool_the_schema_tools_list_gives(client):
    listed = post_rpc(client, "tools/list", {}).json()["result"]["tools"]

    assert {tool["name"] for tool in listed} == set(all_tools())
    for tool in listed:
        assert tool_input_schema(tool["name"]) == tool["inputSchema"], tool["name"]
    assert tool_input_schema("no_such_tool") is None


def test_a_2026_tool_call_with_arguments_lists_no_tools(client):
    with mock.patch.object(server, "tool_definitions", wraps=server.tool_definitions) as listing:
        response = modern_call(client, "get_item", {"id": client.item})

    assert response.status_code == 200, response.content
    assert response.json()["result"]["structuredContent"]["name"] == "Lamp"
    assert listing.call_count == 0
