"""Failed client authentication at the OAuth endpoints, limited per client id and per address (issue 10, finding 4).

Only failures count, in the default cache (Redis with CACHE_URL, so every instance shares them), in
windows of the rate's period opened by a key's first failure. Past OAUTH_CLIENT_AUTH_RATE failures
for a client id, or from an address, in the current window, the endpoint answers 429 with Retry-After
before checking anything.
The id is counted whether or not such a client exists, so the answer tells nothing about it.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_plus

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse

from oauthconsent.conf import conf

KEY_PREFIX = "oauth-client-auth-failures"


def _client_id(request: HttpRequest) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic":
        try:
            return unquote_plus(base64.b64decode(credentials).decode().split(":", 1)[0])
        except ValueError:
            return ""
    return request.POST.get("client_id", "")


PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(rate: str) -> tuple[int, int]:
    """(limit, period in seconds) of a rate written as DRF's are: 10/min, 100/hour."""
    limit, _, unit = rate.partition("/")
    return int(limit), PERIODS[unit[0]]


def _keys(request: HttpRequest) -> list[str]:
    keys = [f"{KEY_PREFIX}:ip:{get_client_ip_address(request)}"]
    client_id = _client_id(request)
    if client_id:
        keys.append(f"{KEY_PREFIX}:client:{client_id[:200]}")
    return keys


def _count_failure(key: str, period: int) -> None:
    """A window opens at a key's first failure and lasts the period (not a clock-aligned window, which a
    burst straddling its edge would get through twice over); `:since` says when it opened."""
    cache.add(f"{key}:since", time.time(), timeout=period)
    cache.add(key, 0, timeout=period)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)


def _seconds_left(keys: list[str], period: int) -> int:
    opened = cache.get_many([f"{key}:since" for key in keys]).values()
    now = time.time()
    return max(1, max((int(period - (now - since)) for since in opened), default=period))


def throttle_failed_client_auth(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps an OAuth endpoint view: refusals of the client count as failures; past the limit, 429 with Retry-After."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rate = conf.OAUTH_CLIENT_AUTH_RATE
        if not rate:
            return view(request, *args, **kwargs)
        limit, period = _rate(rate)
        keys = _keys(request)
        full = [key for key, count in cache.get_many(keys).items() if count >= limit]
        if full:
            retry_after = _seconds_left(full, period)
            response = JsonResponse(
                {
                    "error": "too_many_requests",
                    "error_description": "Too many failed client authentications; retry later.",
                    "detail": "Too many failed client authentications; retry later.",
                },
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(max(1, retry_after))
            return response
        response = view(request, *args, **kwargs)
        # 401 from the token and revocation endpoints, 403 from introspection (DOT's answer there).
        if response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            for key in keys:
                _count_failure(key, period)
        return response

    return wrapped
