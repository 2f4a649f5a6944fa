from __future__ import annotations

from django.apps import AppConfig


class TunnelsConfig(AppConfig):
    name = "tunnels"

    def ready(self) -> None:
        # Checks only: tunnels are opened by `manage.py tunnel` alone, never at start-up.
        from tunnels import checks  # noqa: F401  (registers the system checks)
