"""The system checks of OAUTH_CONSENT (oauthconsent/checks.py): each wrong value gets its id."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from oauthconsent.checks import check_oauth_consent_settings


def ids(settings, **values: object) -> list[str]:
    settings.OAUTH_CONSENT = values
    return [message.id for message in check_oauth_consent_settings()]


class OAuthConsentChecksTests:
    def test_defaults_pass_and_the_check_is_registered(self, settings):
        assert ids(settings) == []
        settings.OAUTH_CONSENT = {"OAUTH_CLIENT_AUTH_RATE": "ten"}
        assert [m.id for m in run_checks() if m.id.startswith("oauthconsent.")] == ["oauthconsent.E002"]

    def test_no_limit_passes(self, settings):
        assert ids(settings, OAUTH_CLIENT_AUTH_RATE="", OAUTH_REFRESH_GRACE_SECONDS=0) == []

    def test_not_a_dict_is_e100(self, settings):
        settings.OAUTH_CONSENT = None
        assert [message.id for message in check_oauth_consent_settings()] == ["oauthconsent.E100"]

    def test_an_unknown_key_is_e101(self, settings):
        assert ids(settings, REFRESH_GRACE_SECONDS=5) == ["oauthconsent.E101"]

    @pytest.mark.parametrize(("name", "value"), [("OAUTH_REFRESH_GRACE_SECONDS", "30"), ("OAUTH_CLIENT_AUTH_RATE", 10)])
    def test_a_value_of_the_wrong_type_is_e102_alone(self, settings, name, value):
        assert ids(settings, **{name: value}) == ["oauthconsent.E102"]

    @pytest.mark.parametrize(
        ("name", "value", "error_id"),
        [
            ("OAUTH_REFRESH_GRACE_SECONDS", -1, "oauthconsent.E001"),
            ("OAUTH_CLIENT_AUTH_RATE", "10 a minute", "oauthconsent.E002"),
        ],
    )
    def test_a_wrong_value_gets_its_id(self, settings, name, value, error_id):
        assert ids(settings, **{name: value}) == [error_id]
