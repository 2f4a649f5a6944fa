"""MCP calls as the official SDK's client (mcp 2.3) sends them over Streamable HTTP, for wrk and for the check
that our /mcp and the FastMCP app answer alike before either is measured."""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from load import Request

# The rows' protocol: what ChatGPT and Claude send today (stateless calls, the version in a header). The SDK's own
# client speaks the newest, whose requests also carry an envelope and Mcp-Method/Mcp-Name headers: a row of its own.
PROTOCOL_VERSION = "2025-11-25"
NEWEST_PROTOCOL_VERSION = "2026-07-28"


def envelope(version: str) -> dict[str, Any]:
    """Every request's _meta in the newest protocol, as the SDK's Client sends it (default client info)."""
    return {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": {"name": "mcp", "version": "0.1.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }


def rpc(method: str, params: dict[str, Any], token: str, version: str = PROTOCOL_VERSION) -> Request:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": version,
        "Authorization": f"Bearer {token}",
    }
    if version >= NEWEST_PROTOCOL_VERSION:
        params = {**params, "_meta": envelope(version)}
        headers["Mcp-Method"] = method
        if method == "tools/call":
            headers["Mcp-Name"] = params["name"]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
    return ("POST", "/mcp", headers, body)


def tool_call(name: str, arguments: dict[str, Any], token: str, version: str = PROTOCOL_VERSION) -> Request:
    return rpc("tools/call", {"name": name, "arguments": arguments}, token, version)


def answer(port: int, request: Request) -> dict[str, Any]:
    """The JSON-RPC answer's result (or its error) to one request, sent once."""
    method, path, headers, body = request
    http = urllib.request.Request(f"http://127.0.0.1:{port}{path}", body.encode(), headers, method=method)
    with urllib.request.urlopen(http, timeout=30) as response:
        message = json.loads(response.read())
    return message.get("result") or {"error": message.get("error")}


ITEM_TOOLS = ["list_items", "get_item", "create_item", "update_item", "delete_item"]


def check_alike(ours: tuple[int, str], fastmcp: tuple[int, str], item: int) -> None:
    """Stop the bench, loudly, unless both servers list the five item tools and answer get_item and list_items
    with the same structured content: otherwise the MCP rows would compare different work (or errors, which
    wrk counts as 200s)."""
    answers = {}
    for label, (port, token) in {"our /mcp": ours, "FastMCP": fastmcp}.items():
        listed = [tool["name"] for tool in answer(port, rpc("tools/list", {}, token)).get("tools", [])]
        answers[label] = {
            "item tools": [name for name in listed if name in ITEM_TOOLS or label == "FastMCP"],
            "get_item": answer(port, tool_call("get_item", {"id": item}, token)).get("structuredContent"),
            "list_items": answer(port, tool_call("list_items", {}, token)).get("structuredContent"),
        }
    mine, theirs = answers.values()
    differ = [what for what in mine if mine[what] != theirs[what] or not mine[what]]
    if differ:
        print(f"\nMISMATCH between our /mcp and FastMCP ({', '.join(differ)}):", file=sys.stderr)
        for what in differ:
            print(f"  {what}:\n    ours:    {mine[what]}\n    FastMCP: {theirs[what]}", file=sys.stderr)
        raise SystemExit(1)
