from __future__ import annotations

from django.apps import AppConfig


class McpServerConfig(AppConfig):
    name = "gptmcp"
    verbose_name = "MCP server"
