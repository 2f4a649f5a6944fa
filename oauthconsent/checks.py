"""System checks of the OAUTH_CONSENT setting (oauthconsent/conf.py): oauthconsent.E0xx, each with its fix.

E100-E102 (not a dict, unknown key, wrong type) are every namespace's (gptactions.settings_namespace); the value
rules below look only at values of the right type.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from gptactions.checks import THROTTLE_RATE
from oauthconsent.conf import conf


@register()
def check_oauth_consent_settings(**kwargs: Any) -> list[CheckMessage]:
    errors = conf.check()
    ok = conf.is_well_typed
    if ok("OAUTH_REFRESH_GRACE_SECONDS") and conf.OAUTH_REFRESH_GRACE_SECONDS < 0:
        errors.append(
            Error(
                f"{conf.label('OAUTH_REFRESH_GRACE_SECONDS')} is negative.",
                hint="Use the seconds a rotated refresh token still works (0: none; the default is 30).",
                id="oauthconsent.E001",
            )
        )
    rate = conf.OAUTH_CLIENT_AUTH_RATE if ok("OAUTH_CLIENT_AUTH_RATE") else ""
    if rate and not THROTTLE_RATE.match(rate):
        errors.append(
            Error(
                f"{conf.label('OAUTH_CLIENT_AUTH_RATE')} {rate!r} is not a rate.",
                hint="Use failures/period per client id and per address, for example 10/min (empty: no limit).",
                id="oauthconsent.E002",
            )
        )
    return errors
