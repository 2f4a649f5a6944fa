from __future__ import annotations

import re
from typing import Any

from django.core.checks import CheckMessage, Error, register

from gptactions.auth_styles import AUTH_STYLES
from gptactions.conf import conf

HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
THROTTLE_RATE = re.compile(r"^[0-9]+/[smhd][a-z]*$")


@register()
def check_api_key_settings(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    unknown = [style for style in conf.API_AUTH_STYLES if style not in AUTH_STYLES]
    if unknown:
        errors.append(
            Error(
                f"API_AUTH_STYLES has unknown style(s): {', '.join(unknown)}.",
                hint=f"Use a comma-separated subset of: {', '.join(AUTH_STYLES)}.",
                id="items.E001",
            )
        )
    if not HEADER_NAME.match(conf.API_KEY_HEADER) or conf.API_KEY_HEADER.lower() == "authorization":
        errors.append(
            Error(
                f"API_KEY_HEADER {conf.API_KEY_HEADER!r} is not a usable custom header name.",
                hint="Use letters, digits and dashes, for example api-key or X-API-Key.",
                id="items.E002",
            )
        )
    rates = (
        (
            "API_THROTTLE_RATE",
            conf.API_THROTTLE_RATE,
            "items.E003",
            "requests/period, for example 600/min, 20/s or 10000/day (empty: no limit)",
        ),
        (
            "API_FAILED_AUTH_RATE",
            conf.API_FAILED_AUTH_RATE,
            "items.E004",
            "failures/period per client IP, for example 30/min, or off",
        ),
    )
    for name, rate, error_id, hint in rates:
        if rate and not THROTTLE_RATE.match(rate):
            errors.append(Error(f"{name} {rate!r} is not a rate.", hint=f"Use {hint}.", id=error_id))
    if conf.API_AUTH_CACHE_SECONDS < 0:
        errors.append(
            Error(
                "API_AUTH_CACHE_SECONDS is negative.",
                hint="Use the seconds a verified key or token is trusted, or 0 to check it on every request.",
                id="items.E005",
            )
        )
    return errors
