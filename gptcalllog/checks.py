from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from gptcalllog.conf import conf


@register()
def check_call_log_settings(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if conf.CALL_LOG_DAYS < 1:
        errors.append(
            Error(
                f"CALL_LOG_DAYS is {conf.CALL_LOG_DAYS}.",
                hint="Keep calls for at least one day (CALL_LOG=off records none).",
                id="gptcalllog.E001",
            )
        )
    if conf.CALL_LOG_FLUSH_SECONDS < 0 or conf.CALL_LOG_BATCH_SIZE < 1:
        errors.append(
            Error(
                "CALL_LOG_FLUSH_SECONDS must be 0 or more and CALL_LOG_BATCH_SIZE 1 or more.",
                hint="For example CALL_LOG_FLUSH_SECONDS=1 and CALL_LOG_BATCH_SIZE=100 (the defaults).",
                id="gptcalllog.E002",
            )
        )
    return errors
