"""Typed access to the items app's settings, with their defaults (the corsheaders pattern)."""

from __future__ import annotations

from django.conf import settings

# The names the GPT editor uses: API Key (Bearer, Basic, Custom header) and OAuth.
AUTH_STYLE_CHOICES = ("bearer", "basic", "custom", "oauth")


class ItemsSettings:
    @property
    def API_AUTH_STYLES(self) -> list[str]:
        return list(getattr(settings, "API_AUTH_STYLES", AUTH_STYLE_CHOICES))

    @property
    def API_KEY_HEADER(self) -> str:
        return getattr(settings, "API_KEY_HEADER", "api-key")

    @property
    def API_KEY_HEADER_META(self) -> str:
        """The WSGI environ key of the custom header: `api-key` -> `HTTP_API_KEY`."""
        return "HTTP_" + self.API_KEY_HEADER.upper().replace("-", "_")

    @property
    def API_THROTTLE_RATE(self) -> str:
        return getattr(settings, "API_THROTTLE_RATE", "600/min")

    @property
    def GPT_CREATE_IS_CONSEQUENTIAL(self) -> bool:
        return getattr(settings, "GPT_CREATE_IS_CONSEQUENTIAL", False)

    @property
    def GPT_UPDATE_IS_CONSEQUENTIAL(self) -> bool:
        return getattr(settings, "GPT_UPDATE_IS_CONSEQUENTIAL", True)


conf = ItemsSettings()
