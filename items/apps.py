from __future__ import annotations

from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "items"
    verbose_name = "Items API"

    def ready(self) -> None:
        from items import (
            checks,  # noqa: F401  (registers the system checks)
            schema,  # noqa: F401  (registers the drf-spectacular extensions)
            signals,  # noqa: F401  (connects the receivers that evict remembered credentials)
        )
