"""GPT_ACTIONS, read through gptactions.conf: defaults, overrides, and what config/settings.py fills from the env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings

from gptactions.conf import DEFAULTS, conf
from tests.helpers.processes import evaluated_in_fresh_process

ROOT = Path(__file__).resolve().parents[2]


class GptActionsSettingsTests:
    def test_an_empty_namespace_gives_the_documented_defaults(self, settings):
        settings.GPT_ACTIONS = {}
        assert conf.API_AUTH_STYLES == ["bearer", "basic", "custom", "oauth"]
        assert (conf.API_KEY_HEADER, conf.API_KEY_HEADER_META) == ("api-key", "HTTP_API_KEY")
        assert (conf.API_THROTTLE_RATE, conf.API_FAILED_AUTH_RATE, conf.API_AUTH_CACHE_SECONDS) == (
            "600/min",
            "30/min",
            5,
        )
        assert (conf.GPT_CREATE_IS_CONSEQUENTIAL, conf.GPT_UPDATE_IS_CONSEQUENTIAL) == (False, True)
        assert conf.PUBLIC_BASE_URL == ""

    def test_override_settings_of_the_dict_changes_what_the_accessor_returns(self):
        before = conf.API_THROTTLE_RATE
        with override_settings(GPT_ACTIONS={"API_THROTTLE_RATE": "3/min", "API_KEY_HEADER": "X-Key"}):
            assert (conf.API_THROTTLE_RATE, conf.API_KEY_HEADER_META) == ("3/min", "HTTP_X_KEY")
        assert conf.API_THROTTLE_RATE == before

    @pytest.mark.parametrize("off", ["off", "OFF", "", " off "])
    def test_failed_auth_rate_off_reads_as_none(self, settings, off):
        settings.GPT_ACTIONS = {"API_FAILED_AUTH_RATE": off}
        assert conf.API_FAILED_AUTH_RATE is None

    def test_public_base_url_loses_its_trailing_slash(self, settings):
        settings.GPT_ACTIONS = {"PUBLIC_BASE_URL": "https://demo.ngrok-free.app/"}
        assert conf.PUBLIC_BASE_URL == "https://demo.ngrok-free.app"

    def test_the_seconds_are_a_float_whatever_was_set(self, settings):
        settings.GPT_ACTIONS = {"API_AUTH_CACHE_SECONDS": 2}
        assert conf.API_AUTH_CACHE_SECONDS == 2.0
        assert isinstance(conf.API_AUTH_CACHE_SECONDS, float)


def namespaces_with(environment: dict[str, str]) -> dict[str, dict]:
    """The five namespaces config/settings.py builds in a fresh process from this environment (and no other)."""
    names = ("GPT_ACTIONS", "GPT_CALL_LOG", "OAUTH_CONSENT", "GPT_MCP", "TUNNELS")
    documented = (*DEFAULTS, "CALL_LOG", "OAUTH_", "OPENAI_", "TUNNELS_", "NGROK_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(documented)}
    code = f"from django.conf import settings; print(repr({{n: getattr(settings, n) for n in {names!r}}}))"
    return evaluated_in_fresh_process(code, {**env, **environment})


class EnvironmentTests:
    """config/settings.py: each README variable fills the key of the same name; unset or empty leaves it out."""

    def test_the_readme_variables_fill_their_namespaces(self):
        namespaces = namespaces_with(
            {
                "API_AUTH_STYLES": "custom,oauth",
                "API_AUTH_CACHE_SECONDS": "0",
                "GPT_CREATE_IS_CONSEQUENTIAL": "1",
                "PUBLIC_BASE_URL": "https://demo.ngrok-free.app/",
                "CALL_LOG": "off",
                "CALL_LOG_DAYS": "7",
                "OAUTH_REFRESH_GRACE_SECONDS": "5",
                "NGROK_DOMAIN": "demo.ngrok-free.app",
                "NGROK_PATH": "",  # empty: unset
                "OPENAI_APPS_CHALLENGE": "oai-verify-1",
            }
        )
        assert namespaces == {
            "GPT_ACTIONS": {
                "API_AUTH_STYLES": ["custom", "oauth"],
                "API_AUTH_CACHE_SECONDS": 0.0,
                "GPT_CREATE_IS_CONSEQUENTIAL": True,
                "PUBLIC_BASE_URL": "https://demo.ngrok-free.app",
                # Unset, the project's own default (the package's is ""): its data folder, which every
                # server process on the machine shares.
                "RATE_LIMIT_FILE": str(ROOT / "data" / "ratelimits.sqlite3"),
            },
            "GPT_CALL_LOG": {"CALL_LOG": False, "CALL_LOG_DAYS": 7},
            "OAUTH_CONSENT": {"OAUTH_REFRESH_GRACE_SECONDS": 5},
            "GPT_MCP": {"OPENAI_APPS_CHALLENGE": "oai-verify-1"},
            "TUNNELS": {"NGROK_DOMAIN": "demo.ngrok-free.app"},
        }
