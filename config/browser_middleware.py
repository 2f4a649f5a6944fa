"""Django's browser middleware (sessions, language, signed-in user, messages), skipped on the API's paths.

The Items API authenticates each call itself (API keys, OAuth tokens) and answers JSON in English: it reads
no session, no signed-in user, no message and no Accept-Language. Each class here is Django's own, which
lets API paths straight through to the next middleware; every other path (the admin, the OAuth pages,
/mcp, the setup pages) runs it unchanged. MIDDLEWARE keeps them in Django's order, and the admin's checks
still find them (subclasses). SecurityMiddleware and XFrameOptionsMiddleware run on every path: API
responses keep their security headers.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale
from django.utils import translation

# The Items API (items/urls.py) and the health check: machine callers only.
API_PATHS = ("/items", "/healthz")


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PATHS)


class BrowserOnly:
    """Runs the middleware it is mixed into for every path but the API's."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api_path(request.path_info):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(BrowserOnly, sessions.SessionMiddleware):
    pass


class LocaleMiddleware(BrowserOnly, locale.LocaleMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api_path(request.path_info):
            # English, whatever Accept-Language says: a worker thread keeps the language the last page
            # request activated (Django never resets it), and DRF's own messages would follow it.
            translation.activate(settings.LANGUAGE_CODE)
        return super().__call__(request)


class AuthenticationMiddleware(BrowserOnly, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(BrowserOnly, messages.MessageMiddleware):
    pass
