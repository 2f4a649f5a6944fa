from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GptActionsConfig(AppConfig):
    name = "gptactions"
    verbose_name = _("API keys")

    def ready(self) -> None:
        from gptactions import (
            checks,  # noqa: F401  (registers the system checks)
            schema,  # noqa: F401  (registers the drf-spectacular extensions)
            signals,  # noqa: F401  (connects the receivers that evict remembered credentials)
        )
        from gptactions.calls import recorded_view
        from gptactions.registry import autodiscover, site

        site.wrap_views(recorded_view)
        autodiscover()
