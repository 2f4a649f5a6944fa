"""What a builder pastes into ChatGPT and Claude to connect the MCP server, and the stdio config of local clients.

`action_setup`, the admin's setup page and `manage.py tunnel` (through gptsetup.presentation) lay it out.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from django.conf import settings
from oauth2_provider.settings import oauth2_settings

from gptmcp.metadata import resource_url, server_name

USERNAME_PLACEHOLDER = "YOUR_USERNAME"


@dataclass(frozen=True)
class McpSetup:
    url: str  # paste into ChatGPT (Settings > Apps & Connectors > Create) and Claude (Settings > Connectors)
    registration_on: bool  # whether ChatGPT and Claude can register themselves (RFC 7591)
    claude_desktop_config: str  # claude_desktop_config.json
    codex_config: str  # ~/.codex/config.toml


def _stdio_command(username: str) -> tuple[str, list[str]]:
    return sys.executable, [str(settings.BASE_DIR / "manage.py"), "mcp", "--user", username]


def mcp_setup(*, base_url: str, username: str = USERNAME_PLACEHOLDER) -> McpSetup:
    command, args = _stdio_command(username)
    claude = {"mcpServers": {server_name(): {"command": command, "args": args}}}
    codex = "\n".join(
        [f"[mcp_servers.{server_name()}]", f"command = {json.dumps(command)}", f"args = {json.dumps(args)}"]
    )
    return McpSetup(
        url=resource_url(base_url),
        registration_on=bool(oauth2_settings.DCR_ENABLED),
        claude_desktop_config=json.dumps(claude, indent=2),
        codex_config=codex,
    )


def registration_note(setup: McpSetup) -> str:
    if setup.registration_on:
        return "Dynamic client registration is on: ChatGPT and Claude register themselves, then the user signs in."
    return (
        "Dynamic client registration is off (OAUTH_DYNAMIC_REGISTRATION=1 turns it on): register a client in the "
        "admin with the connector's callback URL and paste its client ID and secret into the connector's "
        "advanced settings, or connect with an API key as a Bearer token."
    )


def mcp_setup_lines(setup: McpSetup) -> list[str]:
    return [
        "MCP server (ChatGPT apps and connectors, Claude connectors):",
        f"  {setup.url}",
        "  ChatGPT: Settings > Apps & Connectors > Create; Claude: Settings > Connectors > Add custom connector.",
        f"  {registration_note(setup)}",
        "",
        "Local clients over stdio (Claude Desktop: claude_desktop_config.json):",
        *(f"  {line}" for line in setup.claude_desktop_config.splitlines()),
        "Codex CLI (~/.codex/config.toml):",
        *(f"  {line}" for line in setup.codex_config.splitlines()),
    ]
