"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware import locale
from django.utils import translation


class SecureCookiesOverHttpsMiddleware:
    """Marks every cookie Secure when the request came over https (directly or through a trusted proxy).

    SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE are fixed at start-up, but one server answers both
    plain http (loopback, development, `manage.py tunnel`'s local port) and https (the tunnel or the
    load balancer, with DJANGO_TRUST_PROXY=1): the request knows which, the settings cannot.
    DJANGO_SECURE_COOKIES=1 still makes them Secure on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies and request.is_secure():
            for morsel in response.cookies.values():
                morsel["secure"] = True
        return response


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, and a page's language ends with the page.

    Django never resets it, so a worker thread would keep the last page's language, and the API
    (config.api_paths), which activates none, would answer in it. Async requests don't share one.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return super().__call__(request)
        try:
            return super().__call__(request)
        finally:
            translation.deactivate()
