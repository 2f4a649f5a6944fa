"""What a builder pastes into the GPT editor, from the one registry of auth styles."""

from __future__ import annotations

import pytest

from gptactions.auth_styles import AUTH_STYLES
from gptactions.paste_values import PasteValue, paste_lines, paste_values
from tests.factories import make_gpt_client


def as_dict(values: list[PasteValue]) -> dict[str, str]:
    return {value.label: value.value for value in values}


class ApiKeyPasteValuesTests:
    def test_basic_pastes_the_base64_of_the_key(self):
        values = paste_values(AUTH_STYLES["basic"], base_url="https://gpt.example.com", raw_key="gpta_KEY")
        assert as_dict(values) == {"API Key": "Z3B0YV9LRVk=", "Auth Type": "Basic"}

    def test_custom_names_the_header(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_KEY_HEADER": "X-Api-Key"}
        values = paste_values(AUTH_STYLES["custom"], base_url="https://gpt.example.com", raw_key="gpta_KEY")
        assert as_dict(values) == {"API Key": "gpta_KEY", "Auth Type": "Custom", "Custom Header Name": "X-Api-Key"}

    def test_without_a_key_it_says_where_to_get_one(self):
        (api_key, auth_type) = paste_values(AUTH_STYLES["bearer"], base_url="https://gpt.example.com")
        assert not api_key.literal
        assert "https://gpt.example.com/admin/gptactions/apikey/add/" in api_key.value
        assert auth_type == PasteValue("Auth Type", "Bearer")


@pytest.mark.django_db
class OAuthPasteValuesTests:
    def test_field_by_field_values_for_the_gpt_editor(self):
        application, secret = make_gpt_client()
        values = paste_values(
            AUTH_STYLES["oauth"], base_url="https://gpt.example.com", application=application, client_secret=secret
        )
        assert as_dict(values) == {
            "Client ID": application.client_id,
            "Client Secret": secret,
            "Authorization URL": "https://gpt.example.com/oauth/authorize/",
            "Token URL": "https://gpt.example.com/oauth/token/",
            "Scope": "items:read items:write",
            "Token Exchange Method": "Default (POST request)",
        }
        assert all(value.literal for value in values)

    def test_without_secret_or_client_they_are_instructions(self):
        values = paste_values(AUTH_STYLES["oauth"], base_url="https://gpt.example.com")
        assert [value.label for value in values if not value.literal] == ["Client ID", "Client Secret"]

    def test_instructions_are_parenthesised_once_in_any_language(self):
        # The Chinese translation of an instruction uses full-width brackets of its own; the
        # terminal layout adds ASCII ones exactly once around whatever the translation says.
        from django.utils import translation

        with translation.override("zh-hans"):
            (client_id,) = [
                line
                for line in paste_lines(paste_values(AUTH_STYLES["oauth"], base_url="https://x.example"))
                if "ID" in line
            ]
        assert client_id.count("(") == 1 and client_id.endswith(")")
        assert "\uff08" not in client_id  # no full-width bracket inside ours


def test_every_field_of_every_style_has_a_value():
    for style in AUTH_STYLES.values():
        labels = [value.label for value in paste_values(style, base_url="https://gpt.example.com")]
        assert labels == list(style.fields), style.name
