"""GET /healthz for load balancers and uptime checks: 200 while the database (and Redis, when it is the cache) answers.

A plain Django view, not DRF: no authentication, no session, one `SELECT 1` and at most one Redis round
trip, so it can be polled every second.

Probes name the host they probe, not the site: a load balancer sends its target's address
(`Host: 10.0.1.23:8000`), a loopback check `Host: 127.0.0.1:8000`, neither in a production ALLOWED_HOSTS.
HealthCheckMiddleware answers them anyway, for /healthz only: its answer is built from no part of the
request, so a Host header it trusts can poison no link or cache. Every other path keeps Django's check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.views.decorators.http import require_safe

from gptactions.unavailable import first_line, unavailable

logger = logging.getLogger(__name__)


# What this process's probes last found down; a line when that changes, not a traceback per probe (issue 21,
# finding 16: the fault run of bench/faults.py saw ~50 log lines per probe while Redis was stopped).
_down: set[str] = set()


def _answers(name: str, check: Callable[[], object]) -> bool:
    try:
        check()
    except Exception as error:
        if name not in _down:
            _down.add(name)
            logger.warning("Health check: %s does not answer (%s).", name, first_line(error))
        return False
    if name in _down:
        _down.discard(name)
        logger.warning("Health check: %s answers again.", name)
    return True


def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _database_answers() -> bool:
    return _answers("the database", _select_one)


def _cache_answers() -> bool:
    if not isinstance(caches["default"], RedisCache):
        return True  # a per-process cache has nothing to reach
    return _answers("Redis (CACHE_URL)", lambda: cache.get("healthz"))


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    failing = [name for name, answers in (("database", _database_answers), ("cache", _cache_answers)) if not answers()]
    if failing:
        response = JsonResponse({"status": "unavailable", "detail": f"Not answering: {', '.join(failing)}."})
        return unavailable(response)  # 503 with Retry-After, without Django's line for every probe
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    """First in MIDDLEWARE: /healthz for a host outside ALLOWED_HOSTS is answered, not a 400 and a traceback.

    A request for an allowed host goes on down MIDDLEWARE as any other. For another host, the view runs
    behind the response half of the API chain's security headers (config.api_paths), never asking the Host.
    """

    PATH = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # SecurityMiddleware's request half reads the host only to redirect to https, which a probe
        # over plain http must not get; its response half and X-Frame-Options' read no host.
        self.headers = SecurityMiddleware(XFrameOptionsMiddleware(healthz))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info != self.PATH or self._host_allowed(request):
            return self.get_response(request)
        response = self.headers.process_response(request, self.headers.get_response(request))
        response.headers["Content-Length"] = str(len(response.content))
        return response

    @staticmethod
    def _host_allowed(request: HttpRequest) -> bool:
        try:
            request.get_host()
        except DisallowedHost:
            return False
        return True
