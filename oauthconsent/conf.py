"""The OAUTH_CONSENT setting: this app's additions to django-oauth-toolkit's OAUTH2_PROVIDER, with their defaults.

A project sets only the keys it changes, `OAUTH_CONSENT = {"OAUTH_CLIENT_AUTH_RATE": "5/min"}` (config/settings.py
fills them from the environment variables of the same names); code reads `conf.OAUTH_CLIENT_AUTH_RATE`. The
accessor is gptactions.settings_namespace; the value rules are checks.py's (oauthconsent.E0xx).
"""

from __future__ import annotations

from typing import Any

from gptactions.settings_namespace import SettingsNamespace

DEFAULTS: dict[str, Any] = {
    # A refresh token used again this long after its rotation (a client's retry, two requests racing)
    # gets working tokens; later, the reuse revokes the whole family (RFC 9700 section 4.14.2).
    "OAUTH_REFRESH_GRACE_SECONDS": 30,
    # Failed client authentications at the token, revocation and introspection endpoints, per client id
    # and per address, before 429; "" turns the limit off.
    "OAUTH_CLIENT_AUTH_RATE": "10/min",
}


class OAuthConsentSettings(SettingsNamespace):
    OAUTH_REFRESH_GRACE_SECONDS: int
    OAUTH_CLIENT_AUTH_RATE: str


conf = OAuthConsentSettings("OAUTH_CONSENT", DEFAULTS, app_label="oauthconsent")
