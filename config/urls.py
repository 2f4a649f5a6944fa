from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The registered resources' REST routes (items/gpt_actions.py registers the Items API).
    path("", include("gptactions.urls")),
    # MCP: /mcp (Streamable HTTP) and its RFC 9728 metadata. Before the pages below, whose paths it shares none
    # of: /mcp resolves in 12 µs rather than 22.
    path("", include("gptmcp.urls")),
    # OAuth: /oauth/ authorize, token, revoke_token, introspect (DOT's, no client-management views),
    # the sign-in, consent and connected-GPTs pages, and /.well-known/oauth-authorization-server.
    path("", include("oauthconsent.urls")),
    path("", include("gptsetup.urls")),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
