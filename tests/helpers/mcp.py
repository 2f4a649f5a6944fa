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


class MemoryTokenStorage:
    """The SDK's TokenStorage, in memory: what a client keeps between runs."""

    def __init__(self) -> None:
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


class Transcript:
    """Every HTTP exchange of the SDK's client (its OAuth requests included): method, URL, status."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def on_response(self, response: httpx2.Response) -> None:
        request = response.request
        self.lines.append(f"{request.method} {request.url.copy_with(query=None)} -> {response.status_code}")

    def client(self, auth: Any) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            auth=auth,
            timeout=httpx2.Timeout(30, read=300),
            event_hooks={"response": [self.on_response]},
        )


def with_oauth_client(url: str, session: Callable[[Client], Awaitable[T]], *, auth: Any, transcript: Transcript) -> T:
    async def run() -> T:
        async with transcript.client(auth) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                return await session(client)

    return anyio.run(run)
