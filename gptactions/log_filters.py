"""Logging filters a project's LOGGING can name (config/settings.py does)."""

from __future__ import annotations

import logging


class WithoutTraceback(logging.Filter):
    """Keeps the record's message, drops its traceback.

    For refusals any anonymous caller can repeat at will, such as django.security.DisallowedHost (a request
    whose Host header is not in ALLOWED_HOSTS): Django logs each with a traceback of some 40 lines, so a
    scanner, or the MCP conformance suite's DNS-rebinding check, floods the log. The line stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
