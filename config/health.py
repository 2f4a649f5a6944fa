"""GET /healthz for load balancers and uptime checks: 200 while the database (and Redis, when it is the cache) answers.

A plain Django view, not DRF: no authentication, no session, one `SELECT 1` and at most one Redis round
trip, so it can be polled every second.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False
    return True


def _cache_answers() -> bool:
    if not isinstance(caches["default"], RedisCache):
        return True  # a per-process cache has nothing to reach
    try:
        cache.get("healthz")
    except Exception:
        logger.exception("Health check: Redis (CACHE_URL) does not answer")
        return False
    return True


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    failing = [name for name, answers in (("database", _database_answers), ("cache", _cache_answers)) if not answers()]
    if failing:
        return JsonResponse(
            {"status": "unavailable", "detail": f"Not answering: {', '.join(failing)}."},
            status=HTTPStatus.SERVICE_UNAVAILABLE,
        )
    return JsonResponse({"status": "ok"})
