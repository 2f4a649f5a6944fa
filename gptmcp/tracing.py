"""The SDK's OpenTelemetry span per MCP message, when a tracer provider is installed; nothing otherwise.

The SDK puts its OpenTelemetryMiddleware on every Server. Without a tracer provider (no OpenTelemetry SDK
configured: this project installs only the API) its spans are no-ops, yet building them (the attributes,
the trace context read from _meta, the span's context manager) cost 4% of a tools/call get_item (147,000
of 3.46 M instructions: bench/instructions.sh bearer 200 100000/min mcp). Here the middleware runs only
once a provider is set, in code or by OTEL_PYTHON_TRACER_PROVIDER, as OpenTelemetry's own proxy tracer
decides whether to record.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.lowlevel import Server
from opentelemetry import trace

try:  # private in the SDK: should it move, its middleware stays as the SDK put it
    from mcp.server._otel import OpenTelemetryMiddleware
except ImportError:  # pragma: no cover
    OpenTelemetryMiddleware = None


def tracing() -> bool:
    """Whether spans go anywhere: a tracer provider other than OpenTelemetry's proxy (or its no-op) is set."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider | trace.NoOpTracerProvider)


class WhenTracing(ServerMiddleware[Any]):
    """A middleware that runs only when tracing() says spans are recorded."""

    def __init__(self, middleware: ServerMiddleware[Any]) -> None:
        self.middleware = middleware

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if tracing():
            return await self.middleware(ctx, call_next)
        return await call_next(ctx)


def trace_only_when_tracing(server: Server) -> None:
    """Wrap the server's OpenTelemetry middleware in WhenTracing (the other middleware as they are)."""
    if OpenTelemetryMiddleware is None:
        return
    server.middleware = [
        WhenTracing(middleware) if isinstance(middleware, OpenTelemetryMiddleware) else middleware
        for middleware in server.middleware
    ]
