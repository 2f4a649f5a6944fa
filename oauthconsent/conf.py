"""Typed access to the oauthconsent app's settings, each with its one default (the corsheaders pattern).

config/settings.py passes a value only when the environment names it (None otherwise).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # A refresh token used again this long after its rotation (a client's retry, two requests racing)
    # gets working tokens; later, the reuse revokes the whole family (RFC 9700 section 4.14.2).
    "OAUTH_REFRESH_GRACE_SECONDS": 30,
    # Failed client authentications at the token, revocation and introspection endpoints, per client id
    # and per address, before 429; "" turns the limit off.
    "OAUTH_CLIENT_AUTH_RATE": "10/min",
}


def _setting(name: str) -> Any:
    value = getattr(settings, name, None)
    return DEFAULTS[name] if value is None else value


class OAuthConsentSettings:
    @property
    def OAUTH_REFRESH_GRACE_SECONDS(self) -> int:
        return int(_setting("OAUTH_REFRESH_GRACE_SECONDS"))

    @property
    def OAUTH_CLIENT_AUTH_RATE(self) -> str:
        return _setting("OAUTH_CLIENT_AUTH_RATE")


conf = OAuthConsentSettings()
