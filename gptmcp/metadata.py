"""RFC 9728 protected-resource metadata for /mcp: where an MCP client learns which OAuth server to ask."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import slugify
from oauth2_provider.views import OAuthProtectedResourceMetadataView

from gptactions.public_url import public_base_url


def server_title() -> str:
    """The API's title (SPECTACULAR_SETTINGS["TITLE"]): the MCP server's title, as the GPT Action's."""
    return str(settings.SPECTACULAR_SETTINGS.get("TITLE") or "GPT Actions")


def server_name() -> str:
    """The MCP server's name, and its key in a local client's config (claude_desktop_config.json)."""
    return slugify(server_title()) or "gptactions"


def resource_url(base_url: str) -> str:
    """The MCP endpoint's URL: the resource its tokens are bound to (RFC 8707) and the URL to paste."""
    return base_url + reverse("gptmcp:mcp")


def resource_metadata_url(base_url: str) -> str:
    return base_url + reverse("gptmcp:resource-metadata")


class McpResourceMetadataView(OAuthProtectedResourceMetadataView):
    """DOT's view (its authorization server: this one's RFC 8414 issuer), with the resource on the public URL."""

    def get_resource(self, request: HttpRequest) -> str:
        return resource_url(public_base_url(request))

    def get_resource_name(self) -> str:
        return f"{server_title()} (MCP)"
