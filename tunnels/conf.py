"""The TUNNELS setting: the tunnel backend and the ngrok agent's settings, with their defaults.

A project sets only the keys it changes, `TUNNELS = {"NGROK_DOMAIN": "name.ngrok-free.app"}` (config/settings.py
fills them from the environment variables of the same names); code reads `conf.NGROK_DOMAIN`. The accessor is
gptactions.settings_namespace; the value rules are checks.py's (tunnels.E0xx, tunnels.W001).
"""

from __future__ import annotations

import re
from typing import Any

from gptactions.settings_namespace import SettingsNamespace

DEFAULT_BACKEND = "tunnels.backends.ngrok.PyngrokBackend"
# Where an ngrok account lists its reserved (static) domains, the values NGROK_DOMAIN takes.
DOMAINS_PAGE = "https://dashboard.ngrok.com/domains"
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

DEFAULTS: dict[str, Any] = {
    # The class `manage.py tunnel` opens tunnels with (as EMAIL_BACKEND); tunnels.backends.locmem.InMemoryBackend
    # in tests.
    "TUNNELS_BACKEND": DEFAULT_BACKEND,
    # The agent binary; None (or ""): ngrok on PATH, else where pyngrok installs it.
    "NGROK_PATH": None,
    # The agent's config file; None (or ""): ngrok's own default (~/.config/ngrok/ngrok.yml on Linux).
    "NGROK_CONFIG_PATH": None,
    # The account's authtoken; `manage.py tunnel` needs one.
    "NGROK_AUTHTOKEN": "",
    # The reserved (static) domain `manage.py tunnel` uses when no --domain is given; a pasted URL is fine.
    "NGROK_DOMAIN": "",
}
OPTIONAL_PATH = (str, type(None))


def normalize_domain(value: str) -> str:
    """`https://Demo.ngrok-free.app/` -> `demo.ngrok-free.app`; people paste the URL as often as the name."""
    value = value.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value)
    return value.split("/")[0]


class TunnelsSettings(SettingsNamespace):
    TUNNELS_BACKEND: str
    NGROK_AUTHTOKEN: str

    @property
    def NGROK_PATH(self) -> str | None:
        return self.value("NGROK_PATH") or None

    @property
    def NGROK_CONFIG_PATH(self) -> str | None:
        return self.value("NGROK_CONFIG_PATH") or None

    @property
    def NGROK_DOMAIN(self) -> str:
        return normalize_domain(self.value("NGROK_DOMAIN"))


conf = TunnelsSettings(
    "TUNNELS", DEFAULTS, app_label="tunnels", types={"NGROK_PATH": OPTIONAL_PATH, "NGROK_CONFIG_PATH": OPTIONAL_PATH}
)
