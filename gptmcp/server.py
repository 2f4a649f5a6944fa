"""The MCP server (the official SDK's low-level Server): tools/list and tools/call over the registered resources.

Who calls is an Actor, set by the front door before the SDK runs (the /mcp view after DRF
authentication, the `mcp` command for stdio) and read here through a context variable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import mcp_types as types
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from gptactions.permissions import credential_allows, missing_scope_message
from gptactions.public_url import public_base_url
from gptactions.registry import site
from gptactions.unavailable import DATABASE_ERRORS, MESSAGE, outage
from gptmcp import app_view
from gptmcp.calls import ToolCall, tool_call_finished, without_input
from gptmcp.documents import all_tools, tool_definitions, tool_input_schema
from gptmcp.metadata import server_name, server_title
from gptmcp.tools import error_result, tool_result
from gptmcp.tracing import trace_only_when_tracing

logger = logging.getLogger(__name__)

T = TypeVar("T")


def instructions() -> str:
    """What the server is for, in the registrations' own words."""
    return " ".join(str(resource.description) for resource in site.resources() if resource.description)


def local_request_environ() -> dict[str, str]:
    """The request a local (stdio) tool call stands for: on the public host when there is one."""
    url = urlsplit(public_base_url(None) or "http://localhost")
    return {
        "HTTP_HOST": url.netloc,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or (443 if url.scheme == "https" else 80)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": url.scheme,
    }


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser
    credential: Any  # an API key or an access token (each with allow_scopes); None for the local stdio user
    client: str  # for the call log: the OAuth client's or API key's name, or "stdio"
    transport: str = "http"  # or "stdio"
    openai: Mapping[str, str] = field(default_factory=dict)  # ChatGPT's ids from the request's headers
    # The door's request as a tool's view request starts from: host, scheme, client address.
    environ: Mapping[str, Any] = field(default_factory=local_request_environ)
    tools: Mapping[str, Any] | None = None  # gptmcp.documents.all_tools() as the door found them; None: ask again

    def available_tools(self) -> Mapping[str, Any]:
        return self.tools if self.tools is not None else all_tools()

    def allows(self, scope: str) -> bool:
        return self.credential is None or credential_allows(self.credential, scope)


class LocalUser:
    """The stdio door's credential: the person who started `manage.py mcp` owns the account and every scope."""

    def allow_scopes(self, scopes: list[str]) -> bool:
        return True


LOCAL_USER = LocalUser()

current_actor: ContextVar[Actor] = ContextVar("mcp_actor")


def call_tool_as(actor: Actor, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """The tool's result; MCPError for an unknown tool (-32602) or a failure of ours (-32603). Each call is logged."""
    started = time.perf_counter()
    available = actor.available_tools()
    tool = available.get(name)
    failure = None
    if tool is None:
        # The spec lists an unknown tool among protocol errors, not tool results (issue 19).
        message = f'There is no tool "{name}". The tools are: {", ".join(available)}.'
        result, status = error_result(message), "error"
        failure = MCPError(code=types.INVALID_PARAMS, message=message)
    elif (missing := tool.missing_scope(actor.allows)) is not None:
        result, status = error_result(missing_scope_message(missing)), "denied"
    else:
        try:
            result = tool_result(tool, actor.user, actor.credential or LOCAL_USER, arguments, actor.environ)
            result = app_view.with_allowed_tools(name, result, actor.allows)
            status = "error" if result.is_error else "ok"
        except DATABASE_ERRORS as error:
            outage.failed(error)  # one log line per outage (gptactions.unavailable); the model is told to retry
            result, status = error_result(str(MESSAGE)), "failed"
        except Exception:
            # The SDK would send the exception's own text; the model gets no internals, the log still a row.
            logger.exception("tool %s failed", name)
            result, status = error_result("Internal error."), "failed"
            failure = MCPError(code=types.INTERNAL_ERROR, message="Internal error")
    tool_call_finished(
        ToolCall(
            client=actor.client,
            user=actor.user,
            tool=name,
            status=status,
            latency_ms=(time.perf_counter() - started) * 1000,
            credential=actor.credential,
            transport=actor.transport,
            error=without_input(result.content[0].text, arguments) if result.is_error else "",
            openai=actor.openai,
        )
    )
    if failure is not None:
        raise failure
    return result


async def on_request_thread(function: Callable[..., T], *args: Any) -> T:
    """function(*args) (ORM work) on the thread that serves the request, from a handler.

    Called directly when no event loop runs here: /mcp's own dispatch (gptmcp.dispatch) runs the
    handlers on the request's thread, and awaiting nothing real is what lets it. Under an event loop
    (the SDK's transports: gptmcp.bridge.sdk_response, stdio) through sync_to_async, which brings the
    call back to the request's thread and its database connection.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    return await sync_to_async(function, thread_sensitive=True)(*args)


async def _list_tools(ctx: ServerRequestContext, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    definitions = await on_request_thread(tool_definitions)
    return types.ListToolsResult(tools=[app_view.with_view_meta(tool) for tool in definitions])


async def _call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
    actor = current_actor.get()
    return await on_request_thread(call_tool_as, actor, params.name, dict(params.arguments or {}))


async def _list_resources(
    ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    return types.ListResourcesResult(resources=await on_request_thread(app_view.view_resources))


async def _list_resource_templates(
    ctx: ServerRequestContext, params: types.PaginatedRequestParams | None
) -> types.ListResourceTemplatesResult:
    return types.ListResourceTemplatesResult(resource_templates=[])  # clients that list them get an answer


async def _read_resource(
    ctx: ServerRequestContext, params: types.ReadResourceRequestParams
) -> types.ReadResourceResult:
    return await on_request_thread(app_view.read_view, str(params.uri))


def build_server() -> Server:
    server = Server(
        server_name(),
        version=str(settings.SPECTACULAR_SETTINGS.get("VERSION", "1.0.0")),
        title=server_title(),
        instructions=instructions() or None,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
        on_list_resources=_list_resources,
        on_list_resource_templates=_list_resource_templates,
        on_read_resource=_read_resource,
        get_tool_input_schema=tool_input_schema,
    )
    server.extensions[app_view.EXTENSION] = {"mimeTypes": [app_view.MIME_TYPE]}
    trace_only_when_tracing(server)
    return server
