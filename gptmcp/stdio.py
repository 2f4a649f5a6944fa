"""The MCP server over stdio: the same Server and tools as /mcp, acting as one local user."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from mcp.server.stdio import stdio_server

from gptmcp.server import Actor, build_server, current_actor

STDIO_CLIENT = "stdio"


async def serve_stdio(user: AbstractBaseUser) -> None:
    """Serve until stdin closes. No credential: the person who starts the command owns the account."""
    current_actor.set(Actor(user=user, credential=None, client=STDIO_CLIENT, transport="stdio"))
    server = build_server()
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
