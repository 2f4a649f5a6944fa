"""OAUTH_CONSENT, read through oauthconsent.conf: the documented defaults, and overrides that take effect at once."""

from __future__ import annotations

from django.test import override_settings

from oauthconsent.conf import conf


class OAuthConsentSettingsTests:
    def test_an_empty_namespace_gives_the_documented_defaults(self, settings):
        settings.OAUTH_CONSENT = {}
        assert (conf.OAUTH_REFRESH_GRACE_SECONDS, conf.OAUTH_CLIENT_AUTH_RATE) == (30, "10/min")

    def test_override_settings_of_the_dict_changes_what_the_accessor_returns(self):
        with override_settings(OAUTH_CONSENT={"OAUTH_REFRESH_GRACE_SECONDS": 0, "OAUTH_CLIENT_AUTH_RATE": ""}):
            assert (conf.OAUTH_REFRESH_GRACE_SECONDS, conf.OAUTH_CLIENT_AUTH_RATE) == (0, "")
        assert conf.OAUTH_REFRESH_GRACE_SECONDS == 30
