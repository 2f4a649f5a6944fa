from __future__ import annotations

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def hostname(url: str) -> str:
    """The host of a URL: the consent page names where the user goes back to."""
    return urlsplit(str(url or "")).hostname or ""
