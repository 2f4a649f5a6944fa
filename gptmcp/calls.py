"""Where a finished tool call is known: one record per call, in the call log.

`tool_call_finished` is the one place every MCP tool call ends (Streamable HTTP and stdio, done,
refused by the tool, or denied for its scope). The log gets who called and how it ended, never the
call's arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from gptactions.calls import MCP, credential_of, record_call
from gptactions.models import ApiKey

logger = logging.getLogger("gptmcp.calls")

# How a tool call ended, as the HTTP-like status the call log counts failures by.
STATUS_CODES = {"ok": 200, "error": 400, "denied": 403}


@dataclass(frozen=True)
class ToolCall:
    client: str  # the OAuth client's name, the API key's name, or "stdio"
    user: AbstractBaseUser
    tool: str
    status: str  # "ok", "error" (the tool refused: not found, invalid fields) or "denied" (scope)
    latency_ms: float
    credential: Any = None  # the API key or access token; None over stdio
    transport: str = "http"  # or "stdio"
    error: str = ""  # the message the model got
    openai: Mapping[str, str] = field(default_factory=dict)


def auth_style_of(credential: Any) -> str:
    if credential is None:
        return "stdio"
    return "bearer" if isinstance(credential, ApiKey) else "oauth"


def tool_call_finished(call: ToolCall) -> None:
    logger.info(
        "mcp tool=%s status=%s user=%s client=%s latency_ms=%.1f",
        call.tool,
        call.status,
        call.user.pk,
        call.client,
        call.latency_ms,
    )
    over_http = call.transport == "http"
    record_call(
        door=MCP,
        method="POST" if over_http else "STDIO",
        path="/mcp" if over_http else "stdio",
        status=STATUS_CODES[call.status],
        latency_ms=call.latency_ms,
        operation_id=call.tool,
        auth_style=auth_style_of(call.credential),
        credential=credential_of(call.credential),
        user=call.user,
        error=call.error[:300],
        openai=call.openai,
    )
