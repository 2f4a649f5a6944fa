"""Where a finished tool call is known: one record per call, in the call log.

`tool_call_finished` is the one place every MCP tool call ends (Streamable HTTP and stdio, done,
refused by the tool, or denied for its scope). The log gets who called and how it ended, never the
call's arguments.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from gptactions.calls import MCP, credential_of, record_call
from gptactions.models import ApiKey

logger = logging.getLogger("gptmcp.calls")

# How a tool call ended, as the HTTP-like status the call log counts failures by.
STATUS_CODES = {"ok": 200, "error": 400, "denied": 403, "failed": 500}

# What a message quotes is the caller's: DRF's '"x" is not a valid choice.', Django's '“x” is not a valid UUID.',
# 'Invalid pk "7" - object does not exist.', a tool's unknown argument names. Single quotes only as quotes
# (not the apostrophe of "doesn't").
QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|(?<!\w)'[^']*'(?!\w)")


def _values(value: Any) -> list[str]:
    """The text of each scalar in a call's arguments, at any depth."""
    if isinstance(value, dict):
        return [text for each in value.values() for text in _values(each)]
    if isinstance(value, list):
        return [text for each in value for text in _values(each)]
    if isinstance(value, bool) or value is None:
        return []
    try:
        return [str(value)]
    except ValueError:  # an integer past Python's conversion limit: no message can hold it
        return []


def without_input(message: str, arguments: Mapping[str, Any] | None = None) -> str:
    """message as the call log keeps it: what it quotes, and each argument value it repeats, left out.

    The model gets the whole message; the log promises never to hold a call's arguments, and a view's
    message may repeat one ("No item 7 among yours.", a slug that matched nothing).
    """
    message = QUOTED.sub("…", message)
    for value in sorted(set(_values(arguments or {})) - {""}, key=len, reverse=True):
        message = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "…", message)
    return message


@dataclass(frozen=True)
class ToolCall:
    client: str  # the OAuth client's name, the API key's name, or "stdio"
    user: AbstractBaseUser
    tool: str
    status: str  # "ok", "error" (refused: no such tool, not found, invalid fields), "denied" (scope), "failed" (a bug)
    latency_ms: float
    credential: Any = None  # the API key or access token; None over stdio
    transport: str = "http"  # or "stdio"
    error: str = ""  # the message the model got, without the caller's input (without_input)
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
