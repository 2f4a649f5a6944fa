"""`manage.py mcp --user` as a local client starts it: a subprocess, driven by the SDK's stdio client."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest
from django.core.management import CommandError, call_command
from mcp import Client, StdioServerParameters

from tests.factories import make_item, make_user
from tests.helpers.mcp import DOCUMENT_TOOL_NAMES, ROOT, TOOL_NAMES, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


def mcp_command(tmp_path: Path, *args: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["manage.py", "mcp", *args], env=subprocess_env(tmp_path), cwd=str(ROOT)
    )


def test_the_tools_over_stdio_act_as_the_named_user(tmp_path):
    alice = make_user("alice")
    make_item(alice, name="Claude")
    make_item(make_user("bob"), name="Bob's")
    command = mcp_command(tmp_path, "--user", "alice")

    async def run():
        async with Client(command) as client:
            tools = await client.list_tools()
            created = await client.call_tool("create_item", {"name": "Codex", "price": 20})
            listed = await client.call_tool("list_items", {})
            return tools, created, listed

    tools, created, listed = anyio.run(run)

    assert [tool.name for tool in tools.tools] == [*TOOL_NAMES, *DOCUMENT_TOOL_NAMES]
    assert created.structured_content["name"] == "Codex"
    assert [item["name"] for item in listed.structured_content["results"]] == ["Codex", "Claude"]


@pytest.mark.parametrize(
    ("username", "message"), [("nobody", "There is no user 'nobody'."), ("carol", "The user 'carol' is inactive.")]
)
def test_an_unknown_or_inactive_user_is_refused_before_serving(username, message):
    make_user("carol", is_active=False)

    with pytest.raises(CommandError, match=message):
        call_command("mcp", "--user", username)
