"""config.api_paths: the API's paths take their own middleware chain; every other path keeps the browser's, and
every response keeps the security headers."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY

from config import api_paths
from tests.factories import make_item
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# LocaleMiddleware names the language of every response it sees: the mark that the browser stack ran.
PAGES = ["/admin/login/", "/oauth/login/", "/mcp", "/privacy/", "/"]
API_CALLS = ["/items/", "/items", "/items/1", "/healthz"]


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


def test_api_middleware_with_view_hooks_is_refused(monkeypatch):
    monkeypatch.setattr(
        api_paths, "API_MIDDLEWARE", [*api_paths.API_MIDDLEWARE, "django.middleware.csrf.CsrfViewMiddleware"]
    )
    with pytest.raises(TypeError, match="CsrfViewMiddleware has process_view"):
        api_paths.ApiHandler().load_middleware()


@pytest.mark.parametrize("path", ["/itemsx", "/healthzz", "/items-admin/"])
def test_only_the_api_paths_themselves_take_the_short_chain(path):
    assert not api_paths.is_api_path(path)
