from __future__ import annotations

from django.apps import AppConfig


class McpServerConfig(AppConfig):
    # Not "mcp": the app would shadow the MCP SDK's own package of that name.
    name = "mcpserver"
    verbose_name = "MCP server"
