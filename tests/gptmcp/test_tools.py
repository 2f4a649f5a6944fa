"""The tools through the official SDK's client over Streamable HTTP against live_server, with an API key."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from items.models import Item
from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import SUITE_TOOL_NAMES, TOOL_NAMES, bearer, with_http_client

pytestmark = pytest.mark.django_db(transaction=True)

TOOL_METHODS = {
    "list_items": "get",
    "get_item": "get",
    "create_item": "post",
    "update_item": "patch",
    "delete_item": "delete",
}
# As x-openai-isConsequential says for the writes (GPT_UPDATE_IS_CONSEQUENTIAL is on by default).
DESTRUCTIVE = {"list_items": False, "get_item": False, "create_item": False, "update_item": True, "delete_item": True}


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def mcp_url(live_server) -> str:
    return live_server.url + "/mcp"


@pytest.fixture
def call(mcp_url, alice):
    """Run a session with the SDK client as alice's read/write API key (Bearer)."""
    _, raw_key = make_api_key(alice)

    def run(session, mode: str = "auto"):
        return with_http_client(mcp_url, session, headers=bearer(raw_key), mode=mode)

    return run


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # 2026-07-28 per request, and the initialize handshake
def test_tools_list_names_schemas_and_annotations(call, mode):
    async def session(client: Client):
        return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in call(session, mode)}

    assert list(tools) == SUITE_TOOL_NAMES
    assert TOOL_NAMES == list(TOOL_METHODS)
    for name, method in TOOL_METHODS.items():
        annotations = tools[name].annotations
        assert annotations.read_only_hint is (method == "get")
        assert annotations.destructive_hint is DESTRUCTIVE[name]
        assert annotations.idempotent_hint is (method != "post")
        assert annotations.open_world_hint is False
        assert tools[name].output_schema["type"] == "object"
    create = tools["create_item"].input_schema
    assert set(create["properties"]) == {"name", "description", "price", "tax"}
    assert sorted(create["required"]) == ["name", "price"]
    assert create["properties"]["price"]["description"].startswith("At least 0; more than two decimals are rounded")
    update = tools["update_item"].input_schema
    assert update["required"] == ["id"] and {"id", "name", "price"} <= set(update["properties"])
    assert set(tools["list_items"].input_schema["properties"]) == {"page", "page_size"}
    item_id = tools["get_item"].input_schema["properties"]["id"]
    assert item_id == {"type": "integer", "description": "The item's id, from list_items or create_item."}
    assert "get_item, update_item or delete_item" in tools["list_items"].description


def test_each_tool_returns_structured_content_and_its_text(call, alice):
    async def session(client: Client):
        created = await client.call_tool("create_item", {"name": "Claude", "price": 18, "tax": 1.5})
        item_id = created.structured_content["id"]
        return (
            created,
            await client.call_tool("get_item", {"id": item_id}),
            await client.call_tool("update_item", {"id": item_id, "price": 19.5}),
            await client.call_tool("list_items", {"page_size": 1}),
            await client.call_tool("delete_item", {"id": item_id}),
        )

    results = call(session)

    assert [result.is_error for result in results] == [False] * 5
    for result in results:
        assert json.loads(result.content[0].text) == result.structured_content
    created, got, updated, listed, deleted = (result.structured_content for result in results)
    assert created["name"] == "Claude" and created["price"] == 18.0 and created["tax"] == 1.5
    assert got == created
    assert updated["price"] == 19.5 and updated["name"] == "Claude"
    assert listed["count"] == 1 and listed["next"] is None and listed["results"][0]["id"] == created["id"]
    assert deleted == {"id": created["id"], "deleted": True}
    assert not Item.objects.filter(owner=alice).exists()


def test_another_users_item_is_not_found_and_stays_as_it_was(call):
    bobs = make_item(make_user("bob"), name="Bob's", price="5.00")

    async def session(client: Client):
        return [
            await client.call_tool("get_item", {"id": bobs.pk}),
            await client.call_tool("update_item", {"id": bobs.pk, "name": "mine now"}),
            await client.call_tool("delete_item", {"id": bobs.pk}),
            await client.call_tool("list_items", {}),
        ]

    *refused, listed = call(session)

    for result in refused:
        assert result.is_error
        assert result.content[0].text.startswith(f"No item {bobs.pk} among yours.")
    assert listed.structured_content["count"] == 0
    bobs.refresh_from_db()
    assert bobs.name == "Bob's"


def test_refusals_a_model_can_act_on(call):
    async def session(client: Client):
        return [
            await client.call_tool("create_item", {"name": "", "price": "1.234"}),
            await client.call_tool("get_item", {"id": "seven"}),
            await client.call_tool("list_items", {"page": 3}),
            await client.call_tool("create_item", {"name": "x", "price": 1, "colour": "red"}),
        ]

    texts = [result.content[0].text for result in call(session) if result.is_error]

    assert len(texts) == 4
    assert texts[0].startswith("Invalid fields") and "name:" in texts[0] and "price:" in texts[0]
    assert texts[1] == "`id` must be an integer."  # never the argument itself: the call log keeps this text
    assert texts[2] == "There is no such page: call again with a smaller page, or without page."
    assert texts[3] == 'create_item takes no argument named "colour".'
    # An unknown tool is a protocol error (-32602), not a result: tests/gptmcp/test_protocol.py
