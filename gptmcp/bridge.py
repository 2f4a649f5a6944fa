"""One Django request through the SDK's Streamable HTTP transport, stateless, with JSON responses.

Each request is self-contained (no session, no SSE stream), so it runs in the Django view that
received it, under WSGI as well as ASGI: the SDK's ASGI handler is driven by async_to_sync, and the
tools come back to this thread through sync_to_async(thread_sensitive=True), with its database
connection.
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from gptmcp.server import Actor, build_server, current_actor


@functools.cache
def _server() -> Server:
    return build_server()


def _asgi_scope(request: HttpRequest) -> dict[str, Any]:
    host, _, port = request.get_host().partition(":")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()
        ],
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
        "server": (host, int(port or (443 if request.is_secure() else 80))),
    }


async def _serve(scope: dict[str, Any], body: bytes) -> HttpResponse:
    response = HttpResponse(status=500)
    done = anyio.Event()
    body_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal response
        if message["type"] == "http.response.start":
            response = HttpResponse(status=message["status"])
            for name, value in message.get("headers", []):
                response[name.decode("latin-1")] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            response.write(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    manager = StreamableHTTPSessionManager(_server(), stateless=True, json_response=True)
    async with manager.run():
        await manager.handle_request(scope, receive, send)
    done.set()
    return response


def sdk_response(request: HttpRequest, body: bytes, actor: Actor) -> HttpResponse:
    """The SDK's answer to request (whose body was read as body), the tools acting as actor."""
    token = current_actor.set(actor)
    try:
        return async_to_sync(_serve)(_asgi_scope(request), body)
    finally:
        current_actor.reset(token)
