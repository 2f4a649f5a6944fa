"""The official MCP SDK's client, driven from synchronous tests against live_server (or a subprocess)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import OAuthClientMetadata

T = TypeVar("T")
TOOL_NAMES = ["list_items", "get_item", "create_item", "update_item", "delete_item"]
DOCUMENT_TOOL_NAMES = ["search", "fetch"]  # gptmcp.documents, over every registered resource with text
# In the test process the suite's second resource (tests/notes) is registered too; a server subprocess has items only.
SUITE_TOOL_NAMES = [*TOOL_NAMES, "list_notes", "get_note", "create_note", "delete_note", *DOCUMENT_TOOL_NAMES]
ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a server process on the test database: PostgreSQL's as it is, SQLite's in-memory one copied.

    Call it from the test's thread (outside anyio.run), after the data the process must see is saved.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(copy) as target:
            connection.connection.backup(target)
        database_url = f"sqlite:///{copy}"
    else:
        db = connection.settings_dict
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PUBLIC_"))}
    return env | {"DJANGO_SECRET_KEY": "x", "DATABASE_URL": database_url}


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


def post_rpc(client: Any, method: str, params: object, *, id: object = 1, **headers: str) -> Any:
    """One JSON-RPC request to /mcp through Django's test client, as a stateless MCP client sends it (headers:
    more, or others than the defaults, as the test client's META names)."""
    body = {"jsonrpc": "2.0", "id": id, "method": method, "params": params}
    meta = {"HTTP_ACCEPT": "application/json, text/event-stream", "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25"}
    return client.post("/mcp", json.dumps(body), content_type="application/json", secure=True, **(meta | headers))


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


def oauth_provider(
    mcp_url: str, person: Any, *, client_name: str, callback: str, client_metadata_url: str | None = None
) -> OAuthClientProvider:
    """The SDK's OAuth client as a public PKCE client, person (redirect_handler, callback_handler) at the browser;
    known by its metadata document when client_metadata_url is given, else it registers itself."""
    return OAuthClientProvider(
        server_url=mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name=client_name,
            redirect_uris=[callback],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=MemoryTokenStorage(),
        redirect_handler=person.redirect_handler,
        callback_handler=person.callback_handler,
        client_metadata_url=client_metadata_url,
    )


def with_oauth_client(url: str, session: Callable[[Client], Awaitable[T]], *, auth: Any, transcript: Transcript) -> T:
    async def run() -> T:
        async with transcript.client(auth) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                return await session(client)

    return anyio.run(run)
