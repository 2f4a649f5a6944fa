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
        for words in ("<h2>What is stored</h2>", "a one-way hash", "Access tokens expire after 2 hours.</li>"):
            assert words in text
        assert "<h2>How long</h2>" in text
        assert "hour(s)" not in text and "<li>Your account: a user name and a hashed password.</li>" in text
        assert "- " not in re.sub(r"<[^>]+>", "", text.split("<h1>")[1])  # lists are lists, not dashes

    @pytest.mark.parametrize(
        ("seconds", "words"),
        [(3600, "expire after 1 hour."), (1800, "expire after 30 minutes."), (60, "expire after 1 minute.")],
    )
    def test_token_lifetime_in_words(self, client, settings, seconds, words):
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": seconds}
        assert words in client.get("/privacy/").content.decode()

    def test_lifetime_in_simplified_chinese(self, client, settings):
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 7200}
        text = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        assert "访问令牌在 2 小时后过期。" in text
        assert "<h2>保存哪些数据</h2>" in text

    def test_needs_no_sign_in(self, client):
        assert client.get("/privacy/", follow=False).status_code == HTTPStatus.OK

    def test_shows_the_policy_written_in_the_admin(self, client):
        make_privacy_policy(
            "We keep <b>nothing</b>.\n\nWhat we keep\n- your name\n- your items,\n  until you delete them\n\n"
            "Contact: https://example.com/contact"
        )
        text = client.get("/privacy/").content.decode()
        assert "<p>We keep &lt;b&gt;nothing&lt;/b&gt;.</p>" in text
        assert "<h2>What we keep</h2>" in text
        assert "<ul><li>your name</li><li>your items, until you delete them</li></ul>" in text
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
        # Swagger UI's start-up script is the page's own ?script (a file, for the page's CSP).
        assert all(url.startswith("/static/") or url == f"{page}?script=" for url in assets), assets
        for url in assets:
            assert client.get(url).status_code == HTTPStatus.OK, url
        assert "cdn." not in html and "//unpkg" not in html
