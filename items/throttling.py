from __future__ import annotations

from rest_framework.throttling import UserRateThrottle

from items.conf import conf


class ItemRateThrottle(UserRateThrottle):
    """API_THROTTLE_RATE requests per user, whatever key or token they use; 429 with Retry-After above it.

    Counts live in the default cache, so a throttled request costs no database query.
    """

    scope = "items"

    def get_rate(self) -> str | None:
        # Read per request (DRF's THROTTLE_RATES is frozen at import), so the setting can change in tests.
        # An empty setting turns throttling off.
        return conf.API_THROTTLE_RATE or None
