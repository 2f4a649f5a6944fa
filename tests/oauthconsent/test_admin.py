from __future__ import annotations

import html as html_lib
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import Application

from tests.factories import make_gpt_client

pytestmark = pytest.mark.django_db

ADD = "/admin/oauth2_provider/application/add/"
GPT_ID = "g-Zz9Yy8Xx7"


def change_url(application: Application) -> str:
    return f"/admin/oauth2_provider/application/{application.pk}/change/"


def code_by_id(html: str, element_id: str) -> str:
    return html_lib.unescape(re.search(rf'id="{element_id}">([^<]+)<', html).group(1))


def errors_of(response) -> str:
    return " ".join(str(message) for message in response.context["adminform"].form.errors.get("redirect_uris", []))


class GptClientAdminTests:
    def test_adding_a_client_shows_its_secret_once_with_paste_values(self, admin_client):
        added = admin_client.post(
            ADD,
            {"name": "Recipe GPT", "redirect_uris": f"https://chat.openai.com/aip/{GPT_ID}/oauth/callback", "user": ""},
        )
        assert added.status_code == HTTPStatus.FOUND  # POST-redirect-GET: a reload makes no second secret
        response = admin_client.get(added["Location"])
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        application = Application.objects.get(name="Recipe GPT")
        secret = code_by_id(html, "paste-client-secret")
        assert html.count(secret) == 2  # shown once, and once in its Copy button
        assert code_by_id(html, "paste-client-id") == application.client_id
        assert check_password(secret, application.client_secret)  # stored hashed
        assert application.client_type == Application.CLIENT_CONFIDENTIAL
        assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
        assert application.redirect_uris.split() == [
            f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback",
            f"https://chat.openai.com/aip/{GPT_ID}/oauth/callback",
        ]
        for text in (
            "https://testserver/oauth/authorize/",
            "https://testserver/oauth/token/",
            "items:read items:write",
        ):
            assert text in html

        change_page = admin_client.get(change_url(application)).content.decode()
        assert secret not in change_page
        assert application.client_secret not in change_page
        assert secret not in admin_client.get(added["Location"]).content.decode()  # reloaded: gone

    def test_a_client_may_be_added_before_the_gpt_shows_its_callback(self, admin_client):
        response = admin_client.post(ADD, {"name": "New GPT", "redirect_uris": "", "user": ""})
        assert response.status_code == HTTPStatus.FOUND
        assert Application.objects.get(name="New GPT").redirect_uris == ""

    def test_change_page_shows_the_paste_values(self, admin_client, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://gpt.example.com"}
        application, _ = make_gpt_client()
        html = admin_client.get(change_url(application)).content.decode()
        assert "What to paste into the GPT editor" in html
        for field, value in [
            ("Client ID", application.client_id),
            ("Authorization URL", "https://gpt.example.com/oauth/authorize/"),
            ("Token URL", "https://gpt.example.com/oauth/token/"),
            ("Scope", "items:read items:write"),
            ("Token Exchange Method", "Default (POST request)"),
        ]:
            assert code_by_id(html, "paste-" + field.lower().replace(" ", "-")) == value, field

    def test_editing_the_callback_registers_both_hosts(self, admin_client):
        application, _ = make_gpt_client(callback_urls=())
        response = admin_client.post(
            change_url(application),
            {"name": application.name, "redirect_uris": f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback", "user": ""},
        )
        assert response.status_code == HTTPStatus.FOUND
        application.refresh_from_db()
        assert application.redirect_uris.split() == [
            f"https://chatgpt.com/aip/{GPT_ID}/oauth/callback",
            f"https://chat.openai.com/aip/{GPT_ID}/oauth/callback",
        ]

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("http://example.com/callback", "uses http. Callback URLs must use https"),
            (f"https://chatgpt.com/gpts/editor/{GPT_ID}", "is the address of the GPT editor"),
            ("not a url", "is not a URL"),
            ("", "Paste the GPT&#x27;s Callback URL"),
        ],
    )
    def test_refused_callbacks_get_a_clear_message(self, admin_client, value, message):
        application, _ = make_gpt_client()
        before = application.redirect_uris
        response = admin_client.post(change_url(application), {"name": application.name, "redirect_uris": value})
        assert response.status_code == HTTPStatus.OK
        assert html_lib.unescape(message) in errors_of(response)
        application.refresh_from_db()
        assert application.redirect_uris == before

    def test_a_client_still_without_callback_gets_one_message(self, admin_client):
        application, _ = make_gpt_client(callback_urls=())
        response = admin_client.post(change_url(application), {"name": application.name, "redirect_uris": ""})
        assert response.status_code == HTTPStatus.OK
        assert errors_of(response) == "Paste the GPT's Callback URL, like https://chatgpt.com/aip/g-…/oauth/callback."

    def test_loopback_http_callback_is_accepted(self, admin_client):
        application, _ = make_gpt_client()
        response = admin_client.post(
            change_url(application), {"name": application.name, "redirect_uris": "http://127.0.0.1:8765/cb", "user": ""}
        )
        assert response.status_code == HTTPStatus.FOUND
        application.refresh_from_db()
        assert application.redirect_uris == "http://127.0.0.1:8765/cb"

    def test_issuing_a_new_secret_shows_it_once_and_retires_the_old_one(self, admin_client):
        application, old_secret = make_gpt_client()
        response = admin_client.post(
            "/admin/oauth2_provider/application/",
            {"action": "issue_new_secret", "_selected_action": [application.pk]},
            follow=True,
        )
        assert response.status_code == HTTPStatus.OK
        new_secret = code_by_id(response.content.decode(), "paste-client-secret")
        application.refresh_from_db()
        assert check_password(new_secret, application.client_secret)
        assert not check_password(old_secret, application.client_secret)

    def test_changelist_lists_clients_without_secrets(self, admin_client):
        application, secret = make_gpt_client()
        html = admin_client.get("/admin/oauth2_provider/application/").content.decode()
        assert application.client_id in html
        assert "https://chatgpt.com/aip/g-test123/oauth/callback (+1)" in html
        assert secret not in html and application.client_secret not in html

    def test_admin_speaks_chinese_too(self, admin_client):
        application, _ = make_gpt_client()
        html = admin_client.get(change_url(application), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
        assert "在 GPT 编辑器中填写的内容" in html
        assert "回调 URL" in html
