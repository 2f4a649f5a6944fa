"""Who is calling, behind the trusted proxy: django-axes' address for every limit, with one rule.

Every limit (sign-in lockouts, the per-address API and OAuth limits, dynamic registration) asks
`axes.helpers.get_client_ip_address(request)`. Without DJANGO_TRUST_PROXY that is REMOTE_ADDR. With it,
config/settings.py names `forwarded_client_address` as AXES_CLIENT_IP_CALLABLE: the right-most
X-Forwarded-For entry, the one the proxy appended (a client can only write entries before it). ipware's
own "right-most" order does not do that: it skips addresses it deems private or reserved and takes the
next one to the left, which a client writes (`X-Forwarded-For: 1.2.3.$i, 198.51.100.7` rotated it).
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def forwarded_client_address(request: HttpRequest) -> str | None:
    """The right-most X-Forwarded-For entry if it is an address; else REMOTE_ADDR."""
    entry = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return request.META.get("REMOTE_ADDR")
