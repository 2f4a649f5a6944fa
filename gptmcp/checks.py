"""System checks of the GPT_MCP setting (gptmcp/conf.py): E100-E102 (not a dict, unknown key, wrong type)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, register

from gptmcp.conf import conf


@register()
def check_mcp_settings(**kwargs: Any) -> list[CheckMessage]:
    return conf.check()
