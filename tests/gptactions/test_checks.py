"""The system checks of GPT_ACTIONS (gptactions/checks.py): each wrong value gets its id."""

from __future__ import annotations

import pytest

from gptactions.checks import check_api_key_settings


def ids(settings, **values: object) -> list[str]:
    settings.GPT_ACTIONS = values
    return [message.id for message in check_api_key_settings()]


class GptActionsChecksTests:
    def test_defaults_pass(self, settings):
        assert ids(settings) == []

    def test_every_key_set_right_passes(self, settings):
        assert (
            ids(
                settings,
                API_AUTH_STYLES=("oauth", "custom"),
                API_KEY_HEADER="X-API-Key",
                API_THROTTLE_RATE="",
                API_FAILED_AUTH_RATE="off",
                API_AUTH_CACHE_SECONDS=0,
                GPT_CREATE_IS_CONSEQUENTIAL=True,
                GPT_UPDATE_IS_CONSEQUENTIAL=False,
                PUBLIC_BASE_URL="https://demo.ngrok-free.app",
            )
            == []
        )

    def test_not_a_dict_is_e100(self, settings):
        settings.GPT_ACTIONS = "API_THROTTLE_RATE=5/min"
        assert [message.id for message in check_api_key_settings()] == ["gptactions.E100"]

    def test_an_unknown_key_is_e101(self, settings):
        assert ids(settings, API_THROTTLE="5/min") == ["gptactions.E101"]

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("API_AUTH_STYLES", "bearer,custom"),
            ("API_KEY_HEADER", None),
            ("API_THROTTLE_RATE", 600),
            ("API_FAILED_AUTH_RATE", False),
            ("API_AUTH_CACHE_SECONDS", "5"),
            ("GPT_CREATE_IS_CONSEQUENTIAL", "0"),
            ("GPT_UPDATE_IS_CONSEQUENTIAL", 1),
            ("PUBLIC_BASE_URL", None),
        ],
    )
    def test_a_value_of_the_wrong_type_is_e102_alone(self, settings, name, value):
        assert ids(settings, **{name: value}) == ["gptactions.E102"]

    @pytest.mark.parametrize(
        ("name", "value", "error_id"),
        [
            ("API_AUTH_STYLES", ["bearer", "apikey"], "gptactions.E001"),
            ("API_KEY_HEADER", "api key", "gptactions.E002"),
            ("API_KEY_HEADER", "Authorization", "gptactions.E002"),
            ("API_THROTTLE_RATE", "lots", "gptactions.E003"),
            ("API_FAILED_AUTH_RATE", "30 per minute", "gptactions.E004"),
            ("API_AUTH_CACHE_SECONDS", -1, "gptactions.E005"),
            ("PUBLIC_BASE_URL", "demo.ngrok-free.app", "gptactions.E006"),
            ("PUBLIC_BASE_URL", "ftp://demo.ngrok-free.app", "gptactions.E006"),
        ],
    )
    def test_a_wrong_value_gets_its_id(self, settings, name, value, error_id):
        assert ids(settings, **{name: value}) == [error_id]

    def test_every_message_names_the_key_and_has_a_hint(self, settings):
        settings.GPT_ACTIONS = {"API_THROTTLE_RATE": "lots", "API_AUTH_CACHE_SECONDS": "5"}
        messages = check_api_key_settings()
        assert [m.msg for m in messages] == [
            "GPT_ACTIONS[\"API_AUTH_CACHE_SECONDS\"] is '5', of type str.",
            "GPT_ACTIONS[\"API_THROTTLE_RATE\"] 'lots' is not a rate.",
        ]
        assert all(m.hint for m in messages)
