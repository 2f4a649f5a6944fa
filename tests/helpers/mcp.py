"""The official MCP SDK's client, driven from synchronous tests against live_server (or a subprocess)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

T = TypeVar("T")


def with_http_client(
    url: str,
    session: Callable[[Client], Awaitable[T]],
    *,
    headers: dict[str, str] | None = None,
    auth: Any = None,
    mode: str = "auto",
) -> T:
    """Connect the SDK's Client to url over Streamable HTTP, run session(client), return what it returns."""

    async def run() -> T:
        async with create_mcp_http_client(headers=headers, auth=auth) as http:
            async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                return await session(client)

    return anyio.run(run)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


__all__ = ["bearer", "httpx2", "with_http_client"]
