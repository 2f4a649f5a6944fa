"""Which browser origins may call /mcp: the MCP transport spec asks servers to refuse others (DNS rebinding).

Server-side clients (ChatGPT's and Claude's connectors, the SDK) send no Origin and are not concerned.
A browser page may call only from this server's own origin, a trusted origin (DJANGO_CSRF_TRUSTED_ORIGINS,
PUBLIC_BASE_URL) or a loopback page (a local inspector such as the MCP Inspector).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def origin_allowed(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.hostname in LOOPBACK_HOSTS
    except ValueError:
        return False
