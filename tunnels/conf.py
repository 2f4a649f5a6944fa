"""Typed access to the tunnels app's settings, with their defaults (the corsheaders pattern)."""

from __future__ import annotations

import re

from django.conf import settings

DEFAULT_BACKEND = "tunnels.backends.ngrok.PyngrokBackend"
# Where an ngrok account lists its reserved (static) domains, the values NGROK_DOMAIN takes.
DOMAINS_PAGE = "https://dashboard.ngrok.com/domains"
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str) -> str:
    """`https://Demo.ngrok-free.app/` -> `demo.ngrok-free.app`; people paste the URL as often as the name."""
    value = value.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value)
    return value.split("/")[0]


class TunnelsSettings:
    """Each setting as the code uses it; one that is missing, None or "" is unset and gets the default."""

    @property
    def TUNNELS_BACKEND(self) -> str:
        return getattr(settings, "TUNNELS_BACKEND", None) or DEFAULT_BACKEND

    @property
    def NGROK_PATH(self) -> str | None:
        """The ngrok agent binary; None: ngrok on PATH, else where pyngrok installs it."""
        return getattr(settings, "NGROK_PATH", None) or None

    @property
    def NGROK_CONFIG_PATH(self) -> str | None:
        """The agent's config file; None: ngrok's own default (~/.config/ngrok/ngrok.yml on Linux)."""
        return getattr(settings, "NGROK_CONFIG_PATH", None) or None

    @property
    def NGROK_AUTHTOKEN(self) -> str:
        return getattr(settings, "NGROK_AUTHTOKEN", None) or ""

    @property
    def NGROK_DOMAIN(self) -> str:
        """The reserved (static) domain `manage.py tunnel` uses when no --domain is given."""
        return normalize_domain(getattr(settings, "NGROK_DOMAIN", None) or "")


conf = TunnelsSettings()
