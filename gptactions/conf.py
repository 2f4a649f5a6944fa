"""Typed access to the items app's settings, each with its one default (the corsheaders pattern).

config/settings.py passes a value only when the environment names it (None otherwise), so the
defaults below are the only ones.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The GPT editor's auth styles the API accepts, in challenge order (gptactions.auth_styles).
    "API_AUTH_STYLES": ["bearer", "basic", "custom", "oauth"],
    "API_KEY_HEADER": "api-key",
    # DRF rate (N/s, /min, /hour, /day) per user; "" turns throttling off.
    "API_THROTTLE_RATE": "600/min",
    # Failed API-key authentications per client IP (a rate as above); "off" turns the limit off.
    "API_FAILED_AUTH_RATE": "30/min",
    # How long a process trusts a key or token it verified without asking the database again;
    # revocation, expiry and deactivation take effect within it. 0: checked on every request.
    "API_AUTH_CACHE_SECONDS": 5,
    # x-openai-isConsequential on writes: true makes ChatGPT ask before every call.
    "GPT_CREATE_IS_CONSEQUENTIAL": False,
    "GPT_UPDATE_IS_CONSEQUENTIAL": True,
    # The https address ChatGPT reaches (a tunnel or a domain); "" means the request's own host.
    "PUBLIC_BASE_URL": "",
}


def _setting(name: str) -> Any:
    value = getattr(settings, name, None)
    return DEFAULTS[name] if value is None else value


class ItemsSettings:
    @property
    def API_AUTH_STYLES(self) -> list[str]:
        return list(_setting("API_AUTH_STYLES"))

    @property
    def API_KEY_HEADER(self) -> str:
        return _setting("API_KEY_HEADER")

    @property
    def API_KEY_HEADER_META(self) -> str:
        """The WSGI environ key of the custom header: `api-key` -> `HTTP_API_KEY`."""
        return "HTTP_" + self.API_KEY_HEADER.upper().replace("-", "_")

    @property
    def API_THROTTLE_RATE(self) -> str:
        return _setting("API_THROTTLE_RATE")

    @property
    def API_FAILED_AUTH_RATE(self) -> str | None:
        """The rate, or None when "off" (or empty)."""
        rate = _setting("API_FAILED_AUTH_RATE").strip()
        return None if rate.lower() in ("", "off") else rate

    @property
    def API_AUTH_CACHE_SECONDS(self) -> float:
        return float(_setting("API_AUTH_CACHE_SECONDS"))

    @property
    def GPT_CREATE_IS_CONSEQUENTIAL(self) -> bool:
        return _setting("GPT_CREATE_IS_CONSEQUENTIAL")

    @property
    def GPT_UPDATE_IS_CONSEQUENTIAL(self) -> bool:
        return _setting("GPT_UPDATE_IS_CONSEQUENTIAL")

    @property
    def PUBLIC_BASE_URL(self) -> str:
        return _setting("PUBLIC_BASE_URL").rstrip("/")


conf = ItemsSettings()
