"""The API's paths run the project's MIDDLEWARE minus the middleware only browsers need.

Machine callers of a DRF view that reads no session authenticate each call themselves and answer JSON in
English (config.middleware.LocaleMiddleware leaves no page's language behind). They read no session,
signed-in user, language, message or CSRF cookie, fetch no static file and never sign in (so axes has
nothing to count). ApiPathsMiddleware, first in MIDDLEWARE, sends their requests through
api_middleware(): what follows it in MIDDLEWARE, without BROWSER_ONLY, in MIDDLEWARE's order. Every
other middleware runs there too, so what a shop adds (Sentry, CORS, a request id, ...) sees API calls
as it sees pages; process_view, process_template_response and process_exception hooks run as Django
runs them. Against the whole of MIDDLEWARE, this and the language change save ~75,000 of ~1.85 M
instructions per authenticated GET (4%, bench/instructions.sh).

Middleware listed before ApiPathsMiddleware runs once for every path, so it may have no view,
template-response or exception hook (it would run for pages only): start-up refuses one that has.

Which paths: the first segment of the URL (`/items`, `/items/7`, `/notes/`) when every route of the root
urlconf under that literal first segment is a DRF view none of whose authenticators is DRF's
SessionAuthentication and none of whose renderers writes HTML (so any ModelViewSet a shop registers is
found, whatever its prefix, and /mcp, while /api, which holds the Swagger page, is not). Routes whose
first segment is not a plain literal (`<slug:page>/`, `^$`) decide nothing and run MIDDLEWARE, as does
every other path: pages, /healthz (a plain Django view), OAuth. The prefixes are read from the urlconf
at the first request. The test client and live_server go through MIDDLEWARE too, so the suite calls the
API through this chain as every server does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# Middleware that only pages need, left out on the API's paths (and only these: anything else in
# MIDDLEWARE runs). Each is here for a reason that holds for every API path as chosen above:
SWITCH = __name__ + ".ApiPathsMiddleware"
BROWSER_ONLY = frozenset(
    {
        SWITCH,  # itself
        "django.contrib.sessions.middleware.SessionMiddleware",  # no API view reads a session (see above)
        "django.contrib.auth.middleware.AuthenticationMiddleware",  # DRF sets request.user from its authenticators
        "django.contrib.messages.middleware.MessageMiddleware",  # messages are shown on pages
        "django.middleware.csrf.CsrfViewMiddleware",  # DRF's views are csrf_exempt; no session, so no CSRF
        "django.middleware.locale.LocaleMiddleware",  # the API answers in English
        "config.middleware.LocaleMiddleware",  # the same, Django's with the language reset after the page
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files live under STATIC_URL, not the API's paths
        "axes.middleware.AxesMiddleware",  # counts sign-in failures, and the API never signs in
    }
)

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def api_middleware() -> list[str]:
    """MIDDLEWARE after ApiPathsMiddleware (what comes before it has run already), without BROWSER_ONLY."""
    middleware = list(settings.MIDDLEWARE)
    after = middleware[middleware.index(SWITCH) + 1 :] if SWITCH in middleware else middleware
    return [path for path in after if path not in BROWSER_ONLY]


_FIRST_SEGMENT = re.compile(r"\^?([\w-]+)(?:/|\$|\Z)")


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Callable]]:
    """(the route's pattern text from the root, its view) for every route of the urlconf."""
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern).removeprefix("^") if prefix else str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, text)
        elif isinstance(pattern, URLPattern):
            yield text, pattern.callback


def _is_machine_view(view: Callable) -> bool:
    """A DRF view that reads no session and renders no HTML (so: no page, no sign-in, no CSRF form)."""
    view_class = getattr(view, "cls", None)  # DRF's as_view() sets it
    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        return False
    try:
        instance = view_class(**getattr(view, "initkwargs", {}))
        authenticators, renderers = instance.get_authenticators(), instance.get_renderers()
    except Exception:  # classes that need a request to say: not provably session-free
        return False
    return not any(isinstance(authenticator, SessionAuthentication) for authenticator in authenticators) and all(
        renderer.media_type != "text/html" for renderer in renderers
    )


def api_prefixes(urlconf: str | None = None) -> tuple[str, ...]:
    """`/items`, ...: the literal first segments whose every route is a machine view (_is_machine_view)."""
    verdicts: dict[str, bool] = {}
    for text, view in _routes(get_resolver(urlconf)):
        match = _FIRST_SEGMENT.match(text)
        if match is not None:
            segment = match.group(1)
            verdicts[segment] = verdicts.get(segment, True) and _is_machine_view(view)
    return tuple(sorted(f"/{segment}" for segment, is_api in verdicts.items() if is_api))


class ApiHandler(BaseHandler):
    """Django's request handling (URL resolution, the view, rendering) behind a middleware list of its own."""

    def __init__(self, middleware: list[str]) -> None:
        super().__init__()
        self.middleware = middleware

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware's sync path (Django 5.2), copied because Django's reads only
        # settings.MIDDLEWARE; the three hook lists and the chain are what BaseHandler._get_response reads.
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware):
            factory = import_string(path)
            if not getattr(factory, "sync_capable", True):
                raise ImproperlyConfigured(f"{path} is async-only: the API's chain (config.api_paths) runs sync.")
            try:
                middleware = factory(handler)
            except MiddlewareNotUsed as exc:
                logger.debug("MiddlewareNotUsed(%r): %s", path, exc)
                continue
            if middleware is None:
                raise ImproperlyConfigured(f"Middleware factory {path} returned None.")
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self._middleware_chain(request)


class ApiPathsMiddleware:
    """First in MIDDLEWARE: the API's paths go through ApiHandler, every other path on down MIDDLEWARE."""

    def __init__(self, get_response: GetResponse) -> None:
        middleware = list(settings.MIDDLEWARE)
        for path in middleware[: middleware.index(SWITCH)] if SWITCH in middleware else []:
            # Its __call__ runs for both chains, but its hooks would only be the browser chain's.
            hooks = sorted(
                {"process_view", "process_template_response", "process_exception"} & set(dir(import_string(path)))
            )
            if hooks:
                raise ImproperlyConfigured(f"{path} has {', '.join(hooks)}: list it after {SWITCH}.")
        self.get_response = get_response
        self.api = ApiHandler(api_middleware())
        self.api.load_middleware()
        self._prefixes: tuple[str, ...] | None = None  # read from the urlconf at the first request

    def is_api_path(self, path: str) -> bool:
        if self._prefixes is None:
            self._prefixes = api_prefixes()
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self._prefixes)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.is_api_path(request.path_info):
            return self.api(request)
        return self.get_response(request)
