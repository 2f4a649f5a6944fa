"""The API's paths take a middleware chain of their own, shorter than the browser's.

Machine callers (the Items API, the health check) authenticate each call themselves and answer JSON in
English (config.middleware.LocaleMiddleware leaves no page's language behind). They read no session,
signed-in user, language, message or CSRF cookie, fetch no static file and never sign in (so axes has
nothing to count). ApiPathsMiddleware, first in MIDDLEWARE, sends their requests through API_MIDDLEWARE
instead: the same security headers and Content-Length, none of the browser's work. Against passing them
through the browser's middleware untouched, this and the language change save 75,000 of 1.85 M
instructions per authenticated GET (4%, bench/instructions.sh). Every other path, /mcp included, runs
MIDDLEWARE unchanged. The test client and live_server go through MIDDLEWARE too, so the suite calls the
API through this chain as every server does.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

# The Items API (items/urls.py) and the health check.
API_PATHS = ("/items", "/healthz")

# Middleware with no view, template-response or exception hooks (ApiHandler checks): outermost first.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PATHS)


class ApiHandler(BaseHandler):
    """Django's request handling (URL resolution, the view, rendering) behind API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware reads settings.MIDDLEWARE; this is its sync path for another list.
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(API_MIDDLEWARE):
            middleware = import_string(path)(handler)
            hooks = {"process_view", "process_template_response", "process_exception"} & set(dir(middleware))
            if hooks:
                raise TypeError(f"{path} has {', '.join(sorted(hooks))}: API_MIDDLEWARE takes no view hooks")
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class ApiPathsMiddleware:
    """First in MIDDLEWARE: the API's paths go through ApiHandler, every other path on down MIDDLEWARE."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.api = ApiHandler()
        self.api.load_middleware()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_api_path(request.path_info):
            return self.api._middleware_chain(request)
        return self.get_response(request)
