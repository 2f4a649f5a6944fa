"""A database that does not answer is a 503 with Retry-After and one log line, not a 500 and a traceback per call.

While PostgreSQL restarts (or is unreachable, or SQLite stays locked past its timeout), every call that needs it
raises django.db's OperationalError or InterfaceError. DatabaseUnavailableMiddleware answers those calls 503
`{"detail": ...}` with `Retry-After`, and this process logs one warning when they start and one when a call
gets through again (issue 21, finding 16: the fault run of bench/faults.py saw 8,952 log lines, tracebacks,
in the 2 s of a `pg_ctl restart`). Django's own "Service Unavailable" line per response is left out: the
access log has every call already. A stale connection (the database restarted since it was opened) fails
once per process and is closed at the end of that request (Django closes a connection after an error), so
the server recovers without a restart.

Other database errors (IntegrityError, ProgrammingError, ...) are bugs or conflicts, not outages: they stay
500s with their traceback. The /mcp door answers the same calls with a 503 JSON-RPC error (gptmcp.views),
and a tool whose view finds the database down with a tool error telling the model to try again
(gptmcp.server).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5  # a PostgreSQL restart or failover takes a few seconds
MESSAGE = _("The service is briefly unavailable: its database does not answer. Try again in a few seconds.")


def first_line(error: Exception) -> str:
    """What a database error says, without the lines (a query, a hint) that follow."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class _DatabaseOutage:
    """Whether calls in this process are failing on the database; one log line when that changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.failed_calls = 0  # in the current outage
        self.failures = 0  # ever: a request that saw it change did not get through

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.failed_calls += 1
            self.failures += 1
            if self.since is None:
                self.since = time.monotonic()
                logger.warning(
                    "The database does not answer (%s): calls are answered 503 until it does.", first_line(error)
                )

    def answered(self) -> None:
        if self.since is None:
            return
        with self.lock:
            if self.since is not None:
                down = time.monotonic() - self.since
                logger.warning(
                    "The database answers again after %.1f s (%d calls answered 503).", down, self.failed_calls
                )
                self.since, self.failed_calls = None, 0


outage = _DatabaseOutage()


def unavailable(response: HttpResponseBase) -> HttpResponseBase:
    """A 503 answer to a call the database failed: Retry-After, and no line of Django's own for it."""
    response.status_code = HTTPStatus.SERVICE_UNAVAILABLE
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Django logs every 5xx response ("Service Unavailable: /items/"); the outage was logged once, above.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails on the database (OperationalError, InterfaceError) gets a 503 JSON answer (unavailable())."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        failures = outage.failures
        response = self.get_response(request)
        if response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR and outage.failures == failures:
            outage.answered()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        outage.failed(exception)
        return unavailable(JsonResponse({"detail": str(MESSAGE)}))
