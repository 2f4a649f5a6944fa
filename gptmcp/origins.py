"""Which browser origins may call /mcp: the MCP transport spec asks servers to refuse others (DNS rebinding).

Server-side clients (ChatGPT's and Claude's connectors, the SDK) send no Origin and are not concerned.
A browser page may call only from this server's own origin, a trusted origin (DJANGO_CSRF_TRUSTED_ORIGINS,
PUBLIC_BASE_URL) or a loopback page (a local inspector such as the MCP Inspector). Those pages get the CORS
allowance a browser needs to call (the preflight, Access-Control-Allow-Origin); others get none.

The headers are read from request.META: request.headers would parse every header of each /mcp request into a
mapping of its own (~13 µs of a ~850 µs tools/call) for these one or two.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def origin_allowed(request: HttpRequest) -> bool:
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    if origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


# What a browser client of /mcp sends and must be able to read (the Streamable HTTP transport's headers,
# the OAuth challenge, the rate limit's wait).
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID"
CORS_EXPOSE_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Retry-After"


def is_preflight(request: HttpRequest) -> bool:
    """A browser's CORS preflight (Fetch standard): OPTIONS with Origin and Access-Control-Request-Method."""
    return (
        request.method == "OPTIONS"
        and "HTTP_ORIGIN" in request.META
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META
    )


def cors_headers(request: HttpRequest) -> dict[str, str]:
    """The CORS allowance for the page calling (the pages origin_allowed admits); none for others or no page."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None or not origin_allowed(request):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS}


def preflight_headers() -> dict[str, str]:
    """The answer to an allowed page's preflight: POST, with the transport's headers, for ten minutes."""
    return {
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age": "600",
    }
