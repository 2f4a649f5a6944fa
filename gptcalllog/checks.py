"""System checks of the GPT_CALL_LOG setting (gptcalllog/conf.py): gptcalllog.E0xx, each with its fix.

E100-E102 (not a dict, unknown key, wrong type) are every namespace's (gptactions.settings_namespace); the value
rules below look only at values of the right type.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from gptcalllog.conf import conf


@register()
def check_call_log_settings(**kwargs: Any) -> list[CheckMessage]:
    errors = conf.check()
    ok = conf.is_well_typed
    if ok("CALL_LOG_DAYS") and conf.CALL_LOG_DAYS < 1:
        errors.append(
            Error(
                f"{conf.label('CALL_LOG_DAYS')} is {conf.CALL_LOG_DAYS}.",
                hint="Keep calls for at least one day (CALL_LOG=off records none).",
                id="gptcalllog.E001",
            )
        )
    if (ok("CALL_LOG_FLUSH_SECONDS") and conf.CALL_LOG_FLUSH_SECONDS < 0) or (
        ok("CALL_LOG_BATCH_SIZE") and conf.CALL_LOG_BATCH_SIZE < 1
    ):
        errors.append(
            Error(
                f"{conf.label('CALL_LOG_FLUSH_SECONDS')} must be 0 or more and "
                f"{conf.label('CALL_LOG_BATCH_SIZE')} 1 or more.",
                hint="For example CALL_LOG_FLUSH_SECONDS=1 and CALL_LOG_BATCH_SIZE=200 (the defaults).",
                id="gptcalllog.E002",
            )
        )
    if ok("CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE") and conf.CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE < 0:
        errors.append(
            Error(
                f"{conf.label('CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE')} is {conf.CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE}.",
                hint="0 or more: 0 counts every unauthenticated call in one row per outcome and minute (default 10).",
                id="gptcalllog.E003",
            )
        )
    return errors
