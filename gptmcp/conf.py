"""The GPT_MCP setting: the MCP server's options, with their defaults.

A project sets only the keys it changes, `GPT_MCP = {"OPENAI_APPS_CHALLENGE": "…"}` (config/settings.py fills
them from the environment variables of the same names); code reads `conf.OPENAI_APPS_CHALLENGE`. The accessor
is gptactions.settings_namespace; checks.py checks the types (gptmcp.E100-E102).
"""

from __future__ import annotations

from typing import Any

from gptactions.settings_namespace import SettingsNamespace

DEFAULTS: dict[str, Any] = {
    # The token OpenAI gives for verifying this domain (ChatGPT app submission), answered as plain text at
    # /.well-known/openai-apps-challenge; empty: that address answers 404.
    "OPENAI_APPS_CHALLENGE": "",
}


class McpSettings(SettingsNamespace):
    OPENAI_APPS_CHALLENGE: str


conf = McpSettings("GPT_MCP", DEFAULTS, app_label="gptmcp")
