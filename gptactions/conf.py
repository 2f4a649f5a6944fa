"""The GPT_ACTIONS setting: API keys, auth styles, throttles and the schema's switches, with their defaults.

A project sets only the keys it changes, `GPT_ACTIONS = {"API_THROTTLE_RATE": "100/min"}` (config/settings.py fills
them from the environment variables of the same names); code reads `conf.API_THROTTLE_RATE`. The accessor and its
reload on `setting_changed` are gptactions.settings_namespace; the value rules are checks.py's (gptactions.E0xx).
"""

from __future__ import annotations

from typing import Any

from gptactions.settings_namespace import SettingsNamespace

DEFAULTS: dict[str, Any] = {
    # The GPT editor's auth styles the API accepts, in challenge order (gptactions.auth_styles).
    "API_AUTH_STYLES": ["bearer", "basic", "custom", "oauth"],
    # The custom header of the "custom" style.
    "API_KEY_HEADER": "api-key",
    # DRF rate (N/s, /min, /hour, /day) per user; "" turns throttling off.
    "API_THROTTLE_RATE": "600/min",
    # Failed API-key authentications per client IP (a rate as above); "off" (or "") turns the limit off.
    "API_FAILED_AUTH_RATE": "30/min",
    # With the local-memory cache (one per process), a SQLite file every server process on the machine opens
    # to share the rate limits' budgets (gptactions.ratelimit); "" leaves each process a budget of its own.
    # Redis as the cache (CACHE_URL) shares them between machines instead.
    "RATE_LIMIT_FILE": "",
    # How long a process trusts a key or token it verified without asking the database again;
    # revocation, expiry and deactivation take effect within it. 0: checked on every request.
    "API_AUTH_CACHE_SECONDS": 5.0,
    # x-openai-isConsequential on writes: true makes ChatGPT ask before every call.
    "GPT_CREATE_IS_CONSEQUENTIAL": False,
    "GPT_UPDATE_IS_CONSEQUENTIAL": True,
    # The https address ChatGPT reaches (a tunnel or a domain); "" means the request's own host.
    "PUBLIC_BASE_URL": "",
}


class GptActionsSettings(SettingsNamespace):
    API_AUTH_STYLES: list[str]
    API_KEY_HEADER: str
    API_THROTTLE_RATE: str
    RATE_LIMIT_FILE: str
    GPT_CREATE_IS_CONSEQUENTIAL: bool
    GPT_UPDATE_IS_CONSEQUENTIAL: bool

    @property
    def API_KEY_HEADER_META(self) -> str:
        """The WSGI environ key of the custom header: `api-key` -> `HTTP_API_KEY`."""
        return "HTTP_" + self.API_KEY_HEADER.upper().replace("-", "_")

    @property
    def API_FAILED_AUTH_RATE(self) -> str | None:
        """The rate, or None when "off" (or empty)."""
        rate = self.value("API_FAILED_AUTH_RATE").strip()
        return None if rate.lower() in ("", "off") else rate

    @property
    def API_AUTH_CACHE_SECONDS(self) -> float:
        return float(self.value("API_AUTH_CACHE_SECONDS"))

    @property
    def PUBLIC_BASE_URL(self) -> str:
        return self.value("PUBLIC_BASE_URL").rstrip("/")


conf = GptActionsSettings("GPT_ACTIONS", DEFAULTS, app_label="gptactions")
