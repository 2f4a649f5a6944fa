"""System checks of the TUNNELS setting (tunnels/conf.py): tunnels.E0xx and W001, each with its fix.

E100-E102 (not a dict, unknown key, wrong type) are every namespace's (gptactions.settings_namespace); the value
rules below look only at values of the right type.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

from tunnels.conf import DOMAINS_PAGE, HOSTNAME, conf


@register()
def check_tunnel_settings(**kwargs: Any) -> list[CheckMessage]:
    messages = conf.check()
    ok = conf.is_well_typed
    if ok("TUNNELS_BACKEND"):
        try:
            import_string(conf.TUNNELS_BACKEND)
        except ImportError as exc:
            messages.append(
                Error(
                    f"{conf.label('TUNNELS_BACKEND')} {conf.TUNNELS_BACKEND!r} cannot be imported ({exc}).",
                    hint="Use tunnels.backends.ngrok.PyngrokBackend, or tunnels.backends.locmem.InMemoryBackend in "
                    "tests.",
                    id="tunnels.E001",
                )
            )
    if ok("NGROK_DOMAIN") and conf.NGROK_DOMAIN and not HOSTNAME.match(conf.NGROK_DOMAIN):
        messages.append(
            Error(
                f"{conf.label('NGROK_DOMAIN')} {conf.NGROK_DOMAIN!r} is not a domain name.",
                hint=f"Use the static domain from {DOMAINS_PAGE}, e.g. name.ngrok-free.app.",
                id="tunnels.E002",
            )
        )
    path = conf.NGROK_PATH if ok("NGROK_PATH") else None
    if path and not (os.path.isfile(path) and os.access(path, os.X_OK)):
        messages.append(
            Warning(
                f"{conf.label('NGROK_PATH')} {path!r} is not an executable file; `manage.py tunnel` will fail.",
                hint="Point it at the ngrok agent (https://ngrok.com/download), or unset it.",
                id="tunnels.W001",
            )
        )
    return messages
