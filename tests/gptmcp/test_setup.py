"""The MCP section of the setup experience: action_setup, the admin's setup page and the tunnel's report."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command

from gptsetup.presentation import setup_report

pytestmark = pytest.mark.django_db

SETUP_URL = "/admin/gptsetup/gptactionsetup/"


def action_setup(*args: str) -> str:
    out = io.StringIO()
    call_command("action_setup", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("on", [False, True])
def test_action_setup_prints_the_mcp_url_registration_state_and_stdio_snippets(settings, on):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": on}

    out = action_setup("--auth", "bearer")

    assert "MCP server (ChatGPT apps and connectors, Claude connectors):\n  https://demo.ngrok-free.app/mcp\n" in out
    assert ("Dynamic client registration is on" in out) is on
    assert ("Dynamic client registration is off (OAUTH_DYNAMIC_REGISTRATION=1 turns it on)" in out) is not on
    claude = out.split("claude_desktop_config.json):\n", 1)[1].split("Codex CLI", 1)[0]
    server = json.loads(claude)["mcpServers"]["items"]
    assert server["args"][-3:] == ["mcp", "--user", "YOUR_USERNAME"] and server["args"][0].endswith("manage.py")
    assert re.search(r'\[mcp_servers\.items\]\n  command = ".+"\n  args = \[".+manage\.py", "mcp", "--user"', out)


def test_the_tunnels_report_names_the_mcp_url():
    report = setup_report(base_url="https://demo.ngrok-free.app")

    assert "\n  https://demo.ngrok-free.app/mcp\n" in report


def test_the_admin_setup_page_has_the_mcp_section(admin_client, settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}

    html = admin_client.get(SETUP_URL).content.decode()

    assert 'data-copy="https://demo.ngrok-free.app/mcp"' in html
    assert "Dynamic client registration is off" in html
    assert "&quot;--user&quot;,\n" in html and "&quot;admin&quot;" in html  # the signed-in admin's own username
