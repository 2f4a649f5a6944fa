"""System checks of the GPT_ACTIONS setting (gptactions/conf.py): gptactions.E0xx, each with its fix.

E100-E102 (not a dict, unknown key, wrong type) are every namespace's (gptactions.settings_namespace); the value
rules below look only at values of the right type.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, register

from gptactions.auth_styles import AUTH_STYLES
from gptactions.conf import conf

HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
THROTTLE_RATE = re.compile(r"^[0-9]+/[smhd][a-z]*$")


@register()
def check_api_key_settings(**kwargs: Any) -> list[CheckMessage]:
    errors = conf.check()
    ok = conf.is_well_typed
    if ok("API_AUTH_STYLES"):
        unknown = [str(style) for style in conf.API_AUTH_STYLES if style not in AUTH_STYLES]
        if unknown:
            errors.append(
                Error(
                    f"{conf.label('API_AUTH_STYLES')} has unknown style(s): {', '.join(unknown)}.",
                    hint=f"Use a subset of: {', '.join(AUTH_STYLES)} (as a variable: API_AUTH_STYLES=bearer,custom).",
                    id="gptactions.E001",
                )
            )
    if ok("API_KEY_HEADER") and (
        not HEADER_NAME.match(conf.API_KEY_HEADER) or conf.API_KEY_HEADER.lower() == "authorization"
    ):
        errors.append(
            Error(
                f"{conf.label('API_KEY_HEADER')} {conf.API_KEY_HEADER!r} is not a usable custom header name.",
                hint="Use letters, digits and dashes, for example api-key or X-API-Key.",
                id="gptactions.E002",
            )
        )
    rates = (
        (
            "API_THROTTLE_RATE",
            "gptactions.E003",
            "requests/period, for example 600/min, 20/s or 10000/day (empty: no limit)",
        ),
        (
            "API_FAILED_AUTH_RATE",
            "gptactions.E004",
            "failures/period per client IP, for example 30/min, or off",
        ),
    )
    for name, error_id, hint in rates:
        rate = getattr(conf, name) if ok(name) else None
        if rate and not THROTTLE_RATE.match(rate):
            errors.append(Error(f"{conf.label(name)} {rate!r} is not a rate.", hint=f"Use {hint}.", id=error_id))
    if ok("API_AUTH_CACHE_SECONDS") and conf.API_AUTH_CACHE_SECONDS < 0:
        errors.append(
            Error(
                f"{conf.label('API_AUTH_CACHE_SECONDS')} is negative.",
                hint="Use the seconds a verified key or token is trusted, or 0 to check it on every request.",
                id="gptactions.E005",
            )
        )
    if ok("PUBLIC_BASE_URL") and conf.PUBLIC_BASE_URL:
        parts = urlsplit(conf.PUBLIC_BASE_URL)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(
                Error(
                    f"{conf.label('PUBLIC_BASE_URL')} {conf.PUBLIC_BASE_URL!r} is not an http(s) URL.",
                    hint="Use the https:// address ChatGPT reaches (https://name.ngrok-free.app), or leave it empty.",
                    id="gptactions.E006",
                )
            )
    return errors
