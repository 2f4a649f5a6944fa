"""Public pages: /privacy/ and the API docs, served by this project alone."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.test import Client

from tests.factories import make_privacy_policy

pytestmark = pytest.mark.django_db


class PrivacyPolicyPageTests:
    def test_default_text_says_what_is_stored_and_for_how_long(self, client, settings):
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 7200}
        response = client.get("/privacy/")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "text/html; charset=utf-8"
        text = response.content.decode()
        for words in ("What is stored", "a one-way hash", "Access tokens expire after 2 hour(s).", "How long"):
            assert words in text

    def test_needs_no_sign_in(self, client):
        assert client.get("/privacy/", follow=False).status_code == HTTPStatus.OK

    def test_shows_the_policy_written_in_the_admin(self, client):
        make_privacy_policy("We keep <b>nothing</b>.\n\nContact: https://example.com/contact")
        text = client.get("/privacy/").content.decode()
        assert "<p>We keep &lt;b&gt;nothing&lt;/b&gt;.</p>" in text
        assert '<a href="https://example.com/contact" rel="nofollow">https://example.com/contact</a>' in text
        assert "What is stored" not in text
        assert "Last updated" in text


def local_assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


class ApiDocsTests:
    @pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
    def test_assets_come_from_this_server_with_debug_off(self, page, settings):
        assert settings.DEBUG is False
        client = Client()
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assets = local_assets(html)
        assert assets, html
        assert all(url.startswith("/static/") for url in assets), assets
        for url in assets:
            assert client.get(url).status_code == HTTPStatus.OK, url
        assert "cdn." not in html and "//unpkg" not in html
