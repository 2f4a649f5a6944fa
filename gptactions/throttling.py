"""Rate limits of the API: per user on every call, and per client address on failed API-key authentication.

Both are budgets of gptactions.ratelimit: O(1) per call, a slice of the budget leased from the shared
store (Redis when it is the cache) and spent locally, so most calls make no round trip; admitted calls
per window never exceed the limit. Its docstring states the guarantee and the choice for Redis down
(fail open, one log line per outage).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from gptactions.conf import conf
from gptactions.ratelimit import PERIODS, Budget, parse_rate, redis_client

__all__ = ["PERIODS", "FailedAuthenticationThrottle", "UserRateLimit", "parse_rate", "redis_client"]


class UserRateLimit(UserRateThrottle):
    """API_THROTTLE_RATE requests per user, whatever key or token they use; 429 with Retry-After above it.

    A Budget (gptactions.ratelimit) per user: the calls of a window opened by the user's first call, shared
    by every process through the default cache (Redis: one atomic script per lease), spent locally in
    between, so a throttled request costs no database query and most calls no network round trip.
    """

    scope = "api"  # one budget per user across every registered resource and both front doors
    budget: Budget | None = None

    def get_rate(self) -> str | None:
        # Read per request (DRF's THROTTLE_RATES is frozen at import), so the setting can change in tests.
        # An empty setting turns throttling off.
        return conf.API_THROTTLE_RATE or None

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # throttle_api_<user id>, as DRF names it
        if key is None:
            return True
        self.budget = Budget(key, self.num_requests, self.duration)
        return self.budget.take()

    def wait(self) -> float | None:
        return self.budget.wait() if self.budget is not None else None


class FailedAuthenticationThrottle:
    """API_FAILED_AUTH_RATE failed API-key authentications per client address; then 429 with Retry-After.

    Consulted only when a key has to be looked up (not for a key verified recently: see
    gptactions.credential_cache), so the authenticated hot path pays nothing. A Budget per address whose
    window opens at the address's first failure and lasts the rate's period (a clock-aligned window would
    let a burst across its edge through twice over). The address is django-axes' (REMOTE_ADDR, or the
    right-most X-Forwarded-For entry behind DJANGO_TRUST_PROXY), as every other limit's.
    """

    def __init__(self, request: Request) -> None:
        rate = conf.API_FAILED_AUTH_RATE
        self.budget = None
        if rate:
            limit, duration = parse_rate(rate)
            address = get_client_ip_address(getattr(request, "_request", request))
            self.budget = Budget(f"failed_auth_{address}", limit, duration)

    def check(self) -> None:
        """Raises Throttled (429 with Retry-After) when this client failed too often in its window."""
        if self.budget is not None and self.budget.spent():
            raise Throttled(wait=self.budget.wait())

    def record(self) -> None:
        if self.budget is not None:
            self.budget.take()
