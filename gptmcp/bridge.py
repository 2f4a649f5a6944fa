"""One Django request through the MCP SDK, stateless, with JSON responses: /mcp's answer.

mcp_response answers on the request's thread through gptmcp.dispatch (the SDK's kernel, no event loop)
whatever it can, and the rest (a 2026-07-28 request, a handler that needs an event loop) through
sdk_response: the SDK's own Streamable HTTP transport, whose ASGI handler is driven by async_to_sync,
the tools coming back to this thread through sync_to_async(thread_sensitive=True), with its database
connection. sdk_response is also the reference tests/gptmcp/test_dispatch.py holds the dispatch to.
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from gptmcp import dispatch
from gptmcp.server import Actor, build_server, current_actor


@functools.cache
def _server() -> Server:
    return build_server()


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
    """The SDK's transport's answer to request (whose body was read as body), the tools acting as actor."""
    token = current_actor.set(actor)
    try:
        return async_to_sync(_serve)(dispatch.asgi_scope(request), body)
    finally:
        current_actor.reset(token)


def mcp_response(request: HttpRequest, body: bytes, actor: Actor) -> HttpResponse:
    """The same answer as sdk_response's, given on this thread when gptmcp.dispatch can."""
    token = current_actor.set(actor)
    try:
        response = dispatch.answer(_server(), request, body)
    finally:
        current_actor.reset(token)
    return response if response is not None else sdk_response(request, body, actor)
