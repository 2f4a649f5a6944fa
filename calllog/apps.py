from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallLogConfig(AppConfig):
    name = "calllog"
    verbose_name = _("Call log")

    def ready(self) -> None:
        from calllog import checks  # noqa: F401  (registers the system checks)
