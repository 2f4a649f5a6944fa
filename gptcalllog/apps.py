from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallLogConfig(AppConfig):
    name = "gptcalllog"
    verbose_name = _("Call log")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from gptactions.calls import connect_recorder
        from gptcalllog import checks  # noqa: F401  (registers the system checks)
        from gptcalllog.recorder import call_log, write_full_batch

        connect_recorder(call_log)
        request_finished.connect(write_full_batch, dispatch_uid="gptcalllog.write_full_batch")
