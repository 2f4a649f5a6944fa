"""The pages a person meets: sign-in, consent, connected GPTs; their headers, CSRF and languages."""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, RefreshToken

from tests.factories import make_gpt_client, make_user
from tests.helpers.oauth import GPT_CALLBACK, connect, forms_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def gpt_client():
    return make_gpt_client("Recipe GPT")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def authorize_path(application, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": GPT_CALLBACK,
        "state": "state-1",
        "scope": "items:read items:write",
        **params,
    }
    return "/oauth/authorize/?" + urlencode(query)


def assert_refuses_framing_and_script(response) -> None:
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'none'" in policy
    html = response.content.decode()
    assert "<script" not in html
    assert "style=" not in html  # no inline style either: the CSS is a static file
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


class ConsentPageTests:
    def test_shows_who_asks_what_for_whom(self, signed_in, gpt_client):
        application, _ = gpt_client
        response = signed_in.get(authorize_path(application))
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert "Recipe GPT" in html
        assert "Read your items" in html
        assert "Create, change and delete your items" in html
        assert "Signed in as <strong>alice</strong>" in html
        assert "Not you? Switch account" in html
        assert ">Allow<" in html and ">Deny<" in html
        assert "chatgpt.com" in html  # where the person goes back to
        assert '<link rel="stylesheet" href="/static/oauthconsent/consent.css">' in html

    def test_read_only_request_shows_only_the_read_sentence(self, signed_in, gpt_client):
        application, _ = gpt_client
        html = signed_in.get(authorize_path(application, scope="items:read")).content.decode()
        assert "Read your items" in html
        assert "Create, change and delete your items" not in html

    def test_refuses_framing_and_script(self, signed_in, gpt_client):
        application, _ = gpt_client
        assert_refuses_framing_and_script(signed_in.get(authorize_path(application)))

    def test_allow_without_csrf_token_is_refused(self, user, gpt_client):
        application, _ = gpt_client
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        fields = forms_of(browser.get(authorize_path(application)).content.decode())[-1]["fields"]
        fields.pop("csrfmiddlewaretoken")
        response = browser.post("/oauth/authorize/", {**fields, "allow": "true"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not AccessToken.objects.exists()

    def test_anonymous_visitor_is_sent_to_sign_in_naming_the_gpt(self, client, gpt_client):
        application, _ = gpt_client
        response = client.get(authorize_path(application))
        assert response.status_code == HTTPStatus.FOUND
        login_page = client.get(response["Location"])
        assert login_page.status_code == HTTPStatus.OK
        assert "Recipe GPT" in login_page.content.decode()
        assert_refuses_framing_and_script(login_page)

    def test_switch_account_signs_out_and_comes_back_to_the_consent_page(self, signed_in, gpt_client):
        application, _ = gpt_client
        path = authorize_path(application)
        page = signed_in.get(path)
        switch = next(form for form in forms_of(page.content.decode()) if "switch-account" in form["action"])
        response = signed_in.post(switch["action"], switch["fields"])
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert response["Location"] == "/oauth/login/?" + urlencode({"next": path})
        assert signed_in.get(path).status_code == HTTPStatus.FOUND  # signed out: off to the sign-in page

        bob = make_user("bob")
        login_page = signed_in.get(response["Location"])
        fields = {**forms_of(login_page.content.decode())[-1]["fields"], "username": "bob"}
        fields["password"] = "correct horse battery"
        signed_in_as_bob = signed_in.post(response["Location"], fields)
        assert signed_in_as_bob["Location"] == path
        assert f"Signed in as <strong>{bob.username}</strong>" in signed_in.get(path).content.decode()

    def test_switch_account_never_redirects_off_site(self, signed_in):
        response = signed_in.post("/oauth/switch-account/", {"next": "https://evil.example/"})
        assert response["Location"] == "/oauth/login/"

    def test_bad_client_id_shows_an_error_page_without_redirect(self, signed_in, gpt_client):
        application, _ = gpt_client
        application.client_id = "unknown"
        response = signed_in.get(authorize_path(application))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "This sign-in link does not work" in response.content.decode()
        assert_refuses_framing_and_script(response)


class LanguageTests:
    def test_chinese_browser_gets_simplified_chinese(self, signed_in, gpt_client):
        application, _ = gpt_client
        response = signed_in.get(authorize_path(application), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert response["Content-Language"] == "zh-hans"
        for text in ("允许", "拒绝", "查看你的条目", "创建、修改和删除你的条目", "不是你？切换账号"):  # noqa: RUF001
            assert text in html, text
        for english in ("Allow", "Deny", "Read your items", "Signed in as", "Switch account"):
            assert english not in html, english

    @pytest.mark.parametrize("path", ["/oauth/login/", "/oauth/connected/"])
    def test_other_pages_are_translated_too(self, client, user, gpt_client, path):
        if path == "/oauth/connected/":
            client.force_login(user)
            connect(client, *gpt_client)
        html = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        visible = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])
        assert re.search(r"[\u4e00-\u9fff]", visible)
        names = {"GPT", "GPTs", "alice", "Recipe"}  # names are not translated
        words = [word for word in re.findall(r"[A-Za-z]{3,}", visible) if word not in names]
        assert words == [], words

    def test_english_is_the_default(self, signed_in, gpt_client):
        application, _ = gpt_client
        html = signed_in.get(authorize_path(application), HTTP_ACCEPT_LANGUAGE="fr-FR").content.decode()
        assert '<html lang="en">' in html
        assert ">Allow<" in html


class ConnectedGptsTests:
    def test_lists_connected_gpts_and_disconnect_revokes_their_tokens(self, signed_in, user, gpt_client, api):
        application, secret = gpt_client
        token = connect(signed_in, application, secret)
        other_user_client = Client()
        other_user_client.force_login(make_user("bob"))
        bobs_token = connect(other_user_client, application, secret)

        page = signed_in.get("/oauth/connected/")
        assert_refuses_framing_and_script(page)
        html = page.content.decode()
        assert "Recipe GPT" in html and "Read your items" in html

        disconnect = next(form for form in forms_of(html) if "disconnect" in form["action"])
        response = signed_in.post(disconnect["action"], disconnect["fields"])
        assert response.status_code == HTTPStatus.SEE_OTHER
        after = signed_in.get(response["Location"]).content.decode()
        assert "Recipe GPT is disconnected" in after
        assert "No GPT is connected to your account." in after

        unauthorized = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
        assert unauthorized.status_code == HTTPStatus.UNAUTHORIZED
        refresh = signed_in.post(
            "/oauth/token/",
            {
                "grant_type": "refresh_token",
                "refresh_token": token["refresh_token"],
                "client_id": application.client_id,
                "client_secret": secret,
            },
        )
        assert refresh.status_code == HTTPStatus.BAD_REQUEST
        # Bob's connection is his own business.
        ok = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {bobs_token['access_token']}")
        assert ok.status_code == HTTPStatus.OK
        assert RefreshToken.objects.filter(user__username="bob", revoked__isnull=True).count() == 1

    def test_after_disconnect_the_consent_page_asks_again(self, signed_in, gpt_client):
        application, secret = gpt_client
        connect(signed_in, application, secret)
        assert signed_in.get(authorize_path(application)).status_code == HTTPStatus.FOUND  # remembered
        signed_in.post(f"/oauth/connected/{application.pk}/disconnect/")
        assert signed_in.get(authorize_path(application)).status_code == HTTPStatus.OK  # asked again

    def test_needs_sign_in_and_post(self, client, user, gpt_client):
        application, _ = gpt_client
        assert client.get("/oauth/connected/")["Location"].startswith("/oauth/login/?next=")
        client.force_login(user)
        disconnect = f"/oauth/connected/{application.pk}/disconnect/"
        assert client.get(disconnect).status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert Client(enforce_csrf_checks=True).post(disconnect).status_code == HTTPStatus.FORBIDDEN


class EndpointTests:
    @pytest.mark.parametrize(
        "path", ["/oauth/applications/", "/oauth/applications/register/", "/oauth/authorized_tokens/", "/oauth/device/"]
    )
    def test_dot_management_and_device_views_are_not_mounted(self, signed_in, path):
        assert signed_in.get(path).status_code == HTTPStatus.NOT_FOUND
