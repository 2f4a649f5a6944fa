"""Where a finished tool call is known: one record per call, for the call log.

`tool_call_finished` is the one place every MCP tool call ends (Streamable HTTP and stdio, done,
refused by the tool, or denied for its scope). It logs a line without the call's arguments; a call
log connects here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger("mcpserver.calls")


@dataclass(frozen=True)
class ToolCall:
    client: str  # the OAuth client's name, the API key's name, or "stdio"
    user_id: int | None
    tool: str
    status: str  # "ok", "error" (the tool refused: not found, invalid fields) or "denied" (scope)
    latency_ms: float


def tool_call_finished(call: ToolCall) -> None:
    logger.info(
        "mcp tool=%s status=%s user=%s client=%s latency_ms=%.1f",
        call.tool,
        call.status,
        call.user_id,
        call.client,
        call.latency_ms,
    )
