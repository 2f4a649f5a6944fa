"""config.api_paths: the API's paths take their own middleware chain; every other path keeps the browser's, and
every response keeps the security headers."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.authentication import SessionAuthentication
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIClient

from config import api_paths
from items.views import ItemViewSet
from tests.factories import make_item
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# LocaleMiddleware names the language of every response it sees: the mark that the browser stack ran.
PAGES = ["/admin/login/", "/oauth/login/", "/privacy/", "/", "/healthz", "/api/docs/"]
API_CALLS = ["/items/", "/items", "/items/1"]


def security_headers(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_the_browser_middleware_and_keep_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert response.headers.get("Content-Language") == "en"
    assert security_headers(response) == SECURITY_HEADERS


@pytest.mark.parametrize("path", API_CALLS)
def test_api_calls_skip_the_browser_middleware_and_keep_the_security_headers(keyed_api, user, path):
    make_item(user)
    response = keyed_api.get(path)
    assert response.status_code < 500
    assert "Content-Language" not in response.headers
    assert "Accept-Language" not in response.headers.get("Vary", "")
    assert security_headers(response) == SECURITY_HEADERS


def test_api_call_ignores_a_session_cookie(client, keyed_api, admin_user):
    client.force_login(admin_user)
    keyed_api.cookies = client.cookies  # a signed-in staff user's session rides along
    response = keyed_api.get("/items/")
    assert response.status_code == 200
    assert response.json()["count"] == 0  # the key's user's items, not the admin's
    assert "Cookie" not in response.headers.get("Vary", "")
    assert client.session[SESSION_KEY] == str(admin_user.pk)  # the admin's session is untouched


def test_admin_sign_in_still_works(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_api_answers_in_english_even_after_a_page_in_chinese_on_the_same_thread(client, api):
    assert client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="zh-Hans").headers["Content-Language"] == "zh-hans"
    response = api.get("/items/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


# One of each kind of answer: lists, an item, writes, every refusal DRF makes before and after the view.
CALLS = [
    ("get", "/items/", {}),
    ("get", "/items", {}),
    ("get", "/items/{item}", {}),
    ("get", "/items/999999", {}),
    ("get", "/items/{item}", {"HTTP_ACCEPT": "text/html"}),
    ("get", "/items/{item}", {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}),
    ("put", "/items/{item}", {}),
    ("options", "/items/", {}),
    ("head", "/items/{item}", {}),
    ("post", "/items/", {"data": {"name": "Lamp", "price": "12.50"}, "format": "json"}),
    ("post", "/items/", {"data": "{", "content_type": "application/json"}),
    ("patch", "/items/{item}", {"data": {"price": 9.99}, "format": "json"}),
    ("delete", "/items/{item}", {}),
    ("get", "/healthz", {}),
]
# What only the browser's middleware adds (sessions and LocaleMiddleware): the API leaves it out on purpose.
BROWSER_ONLY_HEADERS = {"Content-Language", "Vary"}


def through_browser_chain_only(settings) -> None:
    """From now on, the API's paths too go down MIDDLEWARE, as before config.api_paths."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "config.api_paths.ApiPathsMiddleware"]


def answer(client, item, method, path, kwargs, key):
    """Status, headers and body, the item's own values (id, name, times, length) masked."""
    response = getattr(client, method)(path.format(item=item.pk), **kwargs, **auth_headers("custom", key))
    headers = {name: value for name, value in response.headers.items() if name not in BROWSER_ONLY_HEADERS}
    headers["Content-Length"] = "present" if "Content-Length" in headers else "missing"
    body = response.content.decode()
    for pattern, mask in ((r'"id":\d+', '"id":0'), (r'"Item \d+"', '"Item"'), (r'"\d{4}-\d\d-\d\dT[^"]+"', '"T"')):
        body = re.sub(pattern, mask, body)
    return response.status_code, headers, body


@pytest.mark.parametrize(("method", "path", "kwargs"), CALLS)
def test_the_api_chain_answers_as_the_browser_chain_would(api, user, raw_key, settings, method, path, kwargs):
    """Each chain gets an item of its own (a DELETE takes it), in the same list."""
    ours, theirs = make_item(user), make_item(user)
    through_api_chain = answer(api, ours, method, path, kwargs, raw_key)
    through_browser_chain_only(settings)
    through_browser_chain = answer(type(api)(), theirs, method, path, kwargs, raw_key)
    assert through_api_chain == through_browser_chain


def test_unauthenticated_and_throttled_calls_answer_alike(api, raw_key, settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_THROTTLE_RATE": "1/min"}
    api_chain = [api.get("/items/", **auth_headers("custom", raw_key)) for _ in range(2)] + [api.get("/items/")]
    through_browser_chain_only(settings)
    browser = type(api)()
    browser_chain = [browser.get("/items/", **auth_headers("custom", raw_key)) for _ in range(2)]
    browser_chain.append(browser.get("/items/"))
    assert [r.status_code for r in api_chain] == [200, 429, 401]
    for ours, theirs in zip(api_chain[1:], browser_chain[1:], strict=True):
        assert ours.status_code == theirs.status_code
        assert ours.json() == theirs.json()
        assert ours.headers.get("WWW-Authenticate") == theirs.headers.get("WWW-Authenticate")
    assert "Retry-After" in api_chain[1].headers


class Recorder:
    """A shop's own middleware, with every hook Django has: notes what it saw in `seen`."""

    seen: list[str] = []

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        Recorder.seen.append(f"call {request.path}")
        response = self.get_response(request)
        response["X-Request-Id"] = "shop"
        return response

    def process_view(self, request, view, args, kwargs) -> None:
        Recorder.seen.append(f"view {request.path}")

    def process_exception(self, request, exception) -> None:
        Recorder.seen.append(f"exception {type(exception).__name__}")


@pytest.mark.parametrize("after_the_switch", [1, 3, -1])
def test_a_middleware_the_project_adds_runs_on_the_api_paths(user, raw_key, settings, after_the_switch):
    Recorder.seen = []
    middleware = list(settings.MIDDLEWARE)
    where = middleware.index(api_paths.SWITCH) + after_the_switch if after_the_switch >= 0 else len(middleware)
    middleware.insert(where, "tests.test_api_paths.Recorder")
    settings.MIDDLEWARE = middleware
    item = make_item(user)
    response = APIClient().get(f"/items/{item.pk}", **auth_headers("custom", raw_key))  # loads MIDDLEWARE now
    assert response.status_code == 200
    assert response["X-Request-Id"] == "shop"
    assert Recorder.seen == [f"call /items/{item.pk}", f"view /items/{item.pk}"]
    assert "Content-Language" not in response.headers  # and still the API's chain
    assert "tests.test_api_paths.Recorder" in api_paths.api_middleware()


class PlainRecorder:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        Recorder.seen.append(f"call {request.path}")
        return self.get_response(request)


def test_a_middleware_before_the_switch_runs_once_and_one_with_hooks_there_is_refused(raw_key, settings):
    Recorder.seen = []
    settings.MIDDLEWARE = ["tests.test_api_paths.PlainRecorder", *settings.MIDDLEWARE]
    assert APIClient().get("/items/", **auth_headers("custom", raw_key)).status_code == 200
    assert Recorder.seen == ["call /items/"]
    settings.MIDDLEWARE = ["tests.test_api_paths.Recorder", *settings.MIDDLEWARE[1:]]
    with pytest.raises(ImproperlyConfigured, match="Recorder has process_exception, process_view: list it after"):
        api_paths.ApiPathsMiddleware(lambda request: None)


def test_the_api_chain_is_middleware_minus_the_browser_only_ones(settings):
    after = settings.MIDDLEWARE[settings.MIDDLEWARE.index(api_paths.SWITCH) + 1 :]
    assert api_paths.api_middleware() == [m for m in after if m not in api_paths.BROWSER_ONLY]
    assert api_paths.api_middleware() == [
        "gptactions.unavailable.DatabaseUnavailableMiddleware",  # the database down: 503, not a 500 per call
        "config.middleware.SecureCookiesOverHttpsMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "gptactions.middleware.ContentSecurityPolicyMiddleware",  # an HTML error page there gets it too
    ]


def test_the_api_paths_are_read_from_the_urlconf():
    assert api_paths.api_prefixes() == ("/items", "/mcp", "/notes")  # /notes: the suite's second resource
    assert api_paths.api_prefixes("tests.test_api_paths") == ("/notes",)


@pytest.mark.parametrize("path", ["/itemsx", "/healthzz", "/items-admin/", "/healthz", "/api/schema/", "/"])
def test_only_the_api_paths_themselves_take_the_short_chain(path):
    middleware = api_paths.ApiPathsMiddleware(lambda request: None)
    assert middleware.is_api_path("/items/7") and middleware.is_api_path("/items")
    assert not middleware.is_api_path(path)


# A urlconf of a shop's: its viewset under a prefix of its own, one that signs in with sessions (a page's
# neighbour, so it keeps MIDDLEWARE), and a page.
class SessionItemViewSet(ItemViewSet):
    authentication_classes = [SessionAuthentication]

    def get_authenticators(self):
        return [SessionAuthentication()]


notes, sessions = SimpleRouter(), SimpleRouter()
notes.register("notes", ItemViewSet, basename="note")
sessions.register("account", SessionItemViewSet, basename="account")
urlpatterns = [
    path("", include(notes.urls)),
    path("", include(sessions.urls)),
    path("pages/", lambda request: HttpResponse()),
]
