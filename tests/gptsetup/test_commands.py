"""`manage.py action_setup`: what to paste into the GPT editor."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.factories import ALL_SCOPES, make_gpt_client

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


def action_setup(*args: str) -> str:
    out = io.StringIO()
    call_command("action_setup", *args, stdout=out, no_color=True)
    return out.getvalue()


@pytest.fixture
def public_url(settings) -> str:
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
    return settings.GPT_ACTIONS["PUBLIC_BASE_URL"]


class ActionSetupTests:
    def test_oauth_with_client(self, public_url):
        client = make_gpt_client()[0]
        out = action_setup("--auth", "oauth", "--client", client.client_id)
        assert "  https://demo.ngrok-free.app/api/schema/?auth=oauth\n" in out
        assert "Authentication: OAuth\n" in out
        assert f"  Client ID:             {client.client_id}\n" in out
        assert "  Authorization URL:     https://demo.ngrok-free.app/oauth/authorize/\n" in out
        assert "  Token URL:             https://demo.ngrok-free.app/oauth/token/\n" in out
        assert f"  Scope:                 {ALL_SCOPES}\n" in out
        assert "  Token Exchange Method: Default (POST request)\n" in out
        assert "  https://demo.ngrok-free.app/privacy/\n" in out
        assert (
            "a Callback URL (https://chatgpt.com/aip/g-…/oauth/callback): paste it into the client's Callback URLs"
            in out
        )
        assert out.rstrip().endswith("GPT Action lint: no problems.")

    def test_oauth_without_client_lists_the_clients(self, public_url):
        first, second = make_gpt_client("First GPT")[0], make_gpt_client("Second GPT")[0]
        out = action_setup("--auth", "oauth")
        assert "  Client ID:             (see the GPT clients below)\n" in out
        assert f"Choose a client with --client: {second.client_id} (Second GPT); {first.client_id} (First GPT)." in out

    def test_oauth_without_any_client_says_how_to_make_one(self, public_url):
        out = action_setup("--auth", "oauth")
        assert "No OAuth client yet: create one with `python manage.py register_gpt_client --name 'My GPT'`." in out

    def test_instructions_in_chinese_are_bracketed_once(self, public_url):
        # The translation has full-width brackets of its own no more: the layout adds one pair.
        with translation.override("zh-hans"):
            out = action_setup("--auth", "oauth")
        assert "  Client ID:             (见下方的 GPT 客户端)\n" in out
        assert "(\uff08" not in out  # no full-width bracket inside ours, as the seed printed

    def test_unknown_client_is_an_error_naming_the_known_ones(self, public_url):
        client = make_gpt_client()[0]
        with pytest.raises(
            CommandError, match=re.escape(f"No OAuth client with client id 'nope'. Known clients: {client.client_id}")
        ):
            action_setup("--client", "nope")

    def test_client_implies_oauth(self, public_url):
        client = make_gpt_client()[0]
        assert "Authentication: OAuth" in action_setup("--client", client.client_id)

    @pytest.mark.parametrize(
        ("auth", "lines"),
        [
            ("bearer", ["Authentication: API Key, Bearer", "  Auth Type: Bearer"]),
            ("basic", ["Authentication: API Key, Basic", "  Auth Type: Basic", "the base64 of an API key"]),
            ("custom", ["Authentication: API Key, Custom", "  Custom Header Name: api-key"]),
        ],
    )
    def test_api_key_styles(self, public_url, auth, lines):
        out = action_setup("--auth", auth)
        assert f"  https://demo.ngrok-free.app/api/schema/?auth={auth}\n" in out
        for line in lines:
            assert line in out
        assert "create_api_key USERNAME" in out

    def test_default_is_the_first_enabled_style(self, public_url, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["custom", "oauth"]}
        out = action_setup()
        assert "Authentication: API Key, Custom" in out
        assert "Other auth types: --auth oauth (OAuth)." in out

    def test_disabled_style_is_an_error(self, public_url, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["bearer"]}
        with pytest.raises(CommandError, match=re.escape("--auth oauth is not enabled: API_AUTH_STYLES is bearer.")):
            action_setup("--auth", "oauth")

    def test_without_public_base_url_says_so_and_uses_local_address(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        out = action_setup("--auth", "bearer")
        assert out.startswith("PUBLIC_BASE_URL is not set: the values below use http://127.0.0.1:8000")
        assert "  http://127.0.0.1:8000/api/schema/?auth=bearer\n" in out
        assert "gptsetup.W001: PUBLIC_BASE_URL is not set" in out
        assert "Fix: Run `python manage.py tunnel`" in out

    def test_without_public_base_url_the_values_name_the_port_given(self, settings):
        # The local server may run elsewhere than 8000 (`make run PORT=8001`); issue 21, finding 13.
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        out = action_setup("--auth", "bearer", "--port", "8123")
        assert "  http://127.0.0.1:8123/api/schema/?auth=bearer\n" in out
        assert "  http://127.0.0.1:8123/privacy/\n" in out
        assert "  http://127.0.0.1:8123/mcp\n" in out
        assert "127.0.0.1:8000" not in out

    def test_without_public_base_url_or_port_it_says_which_address_it_assumes(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        out = action_setup("--auth", "bearer")
        assert "These URLs assume this server runs on http://127.0.0.1:8000: pass --port N" in out

    def test_base_url_option_is_used_and_linted(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        out = action_setup("--auth", "bearer", "--base-url", "https://gpt.example.com/")
        assert "  https://gpt.example.com/api/schema/?auth=bearer\n" in out
        assert "PUBLIC_BASE_URL is not set" not in out and "assume" not in out

    def test_lint_warnings_are_printed_with_their_fix(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://192.168.0.10"}
        out = action_setup("--auth", "bearer")
        assert "GPT Action lint: 1 warning(s)." in out
        assert "gptsetup.W003: PUBLIC_BASE_URL 'https://192.168.0.10' uses a private IP address" in out


def run_action_setup(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # As `manage.py tunnel` runs it: a subprocess whose environment carries the tunnel's URL.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PUBLIC_BASE_URL"))}
    base.update({"DJANGO_SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "action_setup", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


class ActionSetupSubprocessTests:
    def test_takes_public_base_url_from_the_environment(self, tmp_path):
        result = run_action_setup(tmp_path, "--auth", "custom", PUBLIC_BASE_URL="https://demo.ngrok-free.app")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("GPT Action setup for https://demo.ngrok-free.app\n")
        assert "  https://demo.ngrok-free.app/api/schema/?auth=custom\n" in result.stdout
        assert "GPT Action lint: no problems." in result.stdout
        assert result.stderr == ""

    def test_oauth_before_migrate_says_what_to_do(self, tmp_path):
        result = run_action_setup(tmp_path, "--auth", "oauth", PUBLIC_BASE_URL="https://demo.ngrok-free.app")
        assert result.returncode == 1
        assert "Run `python manage.py migrate` first." in result.stderr
