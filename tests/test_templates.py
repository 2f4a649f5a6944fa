"""The project's own public pages share one HTML head (templates/base.html) and one account block.

Through the pages a person meets: sign-in, consent, connected GPTs (oauthconsent) and /privacy/ (gptsetup).
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import make_gpt_client
from tests.helpers.oauth import GPT_CALLBACK, forms_of

pytestmark = pytest.mark.django_db

SIGN_IN = "/oauth/login/"
CONNECTED = "/oauth/connected/"
PRIVACY = "/privacy/"


class HeadParser(HTMLParser):
    """The <html lang> and every tag inside <head>, as (tag, attributes) pairs."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.head: list[tuple[str, dict[str, str | None]]] = []
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif tag == "head":
            self._in_head = True
        elif self._in_head:
            self.head.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False

    def tags(self, tag: str, **attributes: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.head
            if name == tag and all(attrs.get(key) == value for key, value in attributes.items())
        ]


def head_of(html: str) -> HeadParser:
    parser = HeadParser()
    parser.feed(html)
    return parser


def stylesheets(head: HeadParser) -> list[str | None]:
    return [link["href"] for link in head.tags("link", rel="stylesheet")]


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    # LocaleMiddleware leaves the request's language active on this thread.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def authorize_path() -> str:
    application, _ = make_gpt_client("Recipe GPT")
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": GPT_CALLBACK,
        "state": "state-1",
        "scope": "items:read",
    }
    return "/oauth/authorize/?" + urlencode(query)


class OneHeadTests:
    @pytest.mark.parametrize(
        ("path", "sign_in", "stylesheet", "noindex"),
        [
            (SIGN_IN, False, "/static/oauthconsent/consent.css", True),
            (CONNECTED, True, "/static/oauthconsent/consent.css", True),
            (PRIVACY, False, "/static/gptsetup/css/page.css", False),
        ],
    )
    def test_each_page_has_one_head_with_its_own_stylesheet(self, client, user, path, sign_in, stylesheet, noindex):
        if sign_in:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert html.startswith("<!DOCTYPE html>")
        assert html.count("<head>") == 1 and html.count("<body>") == 1
        head = head_of(html)
        assert head.lang == "en"
        assert len(head.tags("meta", charset="utf-8")) == 1
        assert head.tags("meta", name="viewport") == [
            {"name": "viewport", "content": "width=device-width, initial-scale=1"}
        ]
        assert len(head.tags("link", rel="icon")) == 1
        assert len(head.tags("title")) == 1
        assert stylesheets(head) == [stylesheet]
        assert head.tags("meta", name="robots") == ([{"name": "robots", "content": "noindex"}] if noindex else [])

    def test_consent_page_has_the_same_head(self, signed_in):
        head = head_of(signed_in.get(authorize_path()).content.decode())
        assert len(head.tags("meta", name="viewport")) == 1
        assert head.tags("meta", name="robots") == [{"name": "robots", "content": "noindex"}]
        assert stylesheets(head) == ["/static/oauthconsent/consent.css"]

    @pytest.mark.parametrize(("path", "sign_in"), [(SIGN_IN, False), (CONNECTED, True), (PRIVACY, False)])
    def test_page_language_follows_accept_language(self, client, user, path, sign_in):
        if sign_in:
            client.force_login(user)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-Hans")
        assert response.status_code == HTTPStatus.OK
        assert head_of(response.content.decode()).lang == "zh-hans"

    def test_titles_are_the_pages_own(self, signed_in):
        assert "<title>Connected GPTs</title>" in signed_in.get(CONNECTED).content.decode()
        assert "<title>Privacy policy</title>" in signed_in.get(PRIVACY).content.decode()


class AccountBlockTests:
    def test_connected_page_shows_who_is_signed_in_and_a_sign_out_that_comes_back(self, signed_in):
        html = signed_in.get(CONNECTED).content.decode()
        assert 'class="account"' in html
        assert "Signed in as <strong>alice</strong>" in html
        assert ">Sign out</button>" in html
        switch = [form for form in forms_of(html) if form["action"] == "/oauth/switch-account/"]
        assert len(switch) == 1
        assert switch[0]["fields"]["next"] == CONNECTED
        assert switch[0]["fields"]["csrfmiddlewaretoken"]

    def test_consent_page_offers_to_switch_account_and_return_to_the_same_request(self, signed_in):
        path = authorize_path()
        html = signed_in.get(path).content.decode()
        assert html.count('class="account"') == 1
        assert "Signed in as <strong>alice</strong>" in html
        assert ">Not you? Switch account</button>" in html
        switch = [form for form in forms_of(html) if form["action"] == "/oauth/switch-account/"]
        assert len(switch) == 1
        assert switch[0]["fields"]["next"] == path

    def test_account_block_is_translated(self, signed_in):
        html = signed_in.get(CONNECTED, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        assert "已登录为 <strong>alice</strong>" in html
        assert ">退出登录</button>" in html

    def test_sign_in_page_has_no_account_block(self, client):
        assert 'class="account"' not in client.get(SIGN_IN).content.decode()
