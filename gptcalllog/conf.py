"""The GPT_CALL_LOG setting: whether calls are recorded, how long they are kept and how they are written.

A project sets only the keys it changes, `GPT_CALL_LOG = {"CALL_LOG_DAYS": 7}` (config/settings.py fills them from
the environment variables of the same names); code reads `conf.CALL_LOG_DAYS`. The accessor is
gptactions.settings_namespace; the value rules are checks.py's (gptcalllog.E0xx).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from gptactions.settings_namespace import SettingsNamespace

DEFAULTS: dict[str, Any] = {
    # False (CALL_LOG=off) records nothing; the admin still shows what was recorded before.
    "CALL_LOG": True,
    # Calls older than this many days are deleted: by the writer itself (on its first write, then at most
    # once an hour), and by `manage.py prune_calls`.
    "CALL_LOG_DAYS": 30,
    # Calls wait in the server process and are written together, at the latest this many seconds
    # after they were made; 0 writes each call as it is recorded.
    "CALL_LOG_FLUSH_SECONDS": 1.0,
    # ... or as soon as this many are waiting.
    "CALL_LOG_BATCH_SIZE": 200,
    # Calls no one was authenticated for are counted in one row per address, minute and outcome; past this
    # many such rows in a minute, a server process counts the rest in one row per outcome with no address.
    "CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE": 10,
}


class CallLogSettings(SettingsNamespace):
    CALL_LOG: bool
    CALL_LOG_DAYS: int
    CALL_LOG_BATCH_SIZE: int
    CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE: int

    @cached_property
    def CALL_LOG_FLUSH_SECONDS(self) -> float:
        # Cached as the other settings are (reload() forgets it): every recorded call reads it.
        self._cached.add("CALL_LOG_FLUSH_SECONDS")
        return float(self.value("CALL_LOG_FLUSH_SECONDS"))


conf = CallLogSettings("GPT_CALL_LOG", DEFAULTS, app_label="gptcalllog")
