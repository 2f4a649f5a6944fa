"""Typed access to the call log's settings, each with its one default (the corsheaders pattern).

config/settings.py passes a value only when the environment names it (None otherwise).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # False (CALL_LOG=off) records nothing; the admin still shows what was recorded before.
    "CALL_LOG": True,
    # Calls older than this many days are deleted by `manage.py prune_calls`.
    "CALL_LOG_DAYS": 30,
    # Calls wait in the server process and are written together, at the latest this many seconds
    # after they were made; 0 writes each call as it is recorded.
    "CALL_LOG_FLUSH_SECONDS": 1.0,
    # ... or as soon as this many are waiting.
    "CALL_LOG_BATCH_SIZE": 100,
}


def _setting(name: str) -> Any:
    value = getattr(settings, name, None)
    return DEFAULTS[name] if value is None else value


class CallLogSettings:
    @property
    def CALL_LOG(self) -> bool:
        return bool(_setting("CALL_LOG"))

    @property
    def CALL_LOG_DAYS(self) -> int:
        return _setting("CALL_LOG_DAYS")

    @property
    def CALL_LOG_FLUSH_SECONDS(self) -> float:
        return float(_setting("CALL_LOG_FLUSH_SECONDS"))

    @property
    def CALL_LOG_BATCH_SIZE(self) -> int:
        return _setting("CALL_LOG_BATCH_SIZE")


conf = CallLogSettings()
