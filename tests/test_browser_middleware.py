"""config.browser_middleware: the API's paths skip the browser's middleware; every other path keeps it, and every
response keeps the security headers."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import make_item

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
