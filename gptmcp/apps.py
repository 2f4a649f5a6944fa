from __future__ import annotations

from django.apps import AppConfig


class McpServerConfig(AppConfig):
    name = "gptmcp"
    verbose_name = "MCP server"

    def ready(self) -> None:
        from gptmcp import checks  # noqa: F401  (registers the system checks)
