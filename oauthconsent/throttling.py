"""Failed client authentication at the OAuth endpoints, limited per address (issue 10, finding 4; issue 21, finding 4).

Only failures count, in a gptactions.ratelimit Budget per client address (django-axes' address, as every
limit's), in windows of the rate's period opened by the address's first failure, shared by every process
through the default cache (Redis with CACHE_URL). Past OAUTH_CLIENT_AUTH_RATE failures from an address in
the current window, the endpoint answers that address 429 with Retry-After before checking anything.

Not per client id: a client id is public (it is in every authorize URL) and a secret is 128 random
characters that no one guesses, so a lockout per client would protect nothing and let anyone block a
real GPT's token endpoint with a few bad secrets from elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse, JsonResponse

from gptactions.ratelimit import PERIODS, Budget, parse_rate
from oauthconsent.conf import conf

__all__ = ["KEY_PREFIX", "PERIODS", "throttle_failed_client_auth"]

KEY_PREFIX = "oauth-client-auth-failures"


def _budget(request: HttpRequest, rate: str) -> Budget:
    limit, period = parse_rate(rate)
    return Budget(f"{KEY_PREFIX}:ip:{get_client_ip_address(request)}", limit, period)


def throttle_failed_client_auth(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps an OAuth endpoint view: refusals of the client count as failures; past the limit, 429 with Retry-After."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rate = conf.OAUTH_CLIENT_AUTH_RATE
        if not rate:
            return view(request, *args, **kwargs)
        budget = _budget(request, rate)
        if budget.spent():
            response = JsonResponse(
                {
                    "error": "too_many_requests",
                    "error_description": "Too many failed client authentications; retry later.",
                    "detail": "Too many failed client authentications; retry later.",
                },
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(budget.wait())
            return response
        response = view(request, *args, **kwargs)
        # 401 from the token and revocation endpoints, 403 from introspection (DOT's answer there).
        if response.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            budget.take()
        return response

    return wrapped
