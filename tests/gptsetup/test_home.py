"""The home page at /: what this server is, where to go, and for staff how far the setup got."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from playwright.sync_api import expect

from gptactions.services import api_key_revoke
from tests.factories import PASSWORD, make_api_key, make_gpt_client, make_user
from tests.helpers.browser import ARTIFACTS, admin_sign_in, horizontal_overflow, local_page

pytestmark = pytest.mark.django_db

LINKS = [
    "/oauth/connected/",
    "/admin/gptsetup/gptactionsetup/",
    "/api/docs/",
    "/api/redoc/",
    "/api/schema/",
    "/privacy/",
]


class HomePageTests:
    def test_says_what_this_server_is_and_links_everywhere(self, client):
        response = client.get("/")
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert "backend of a custom GPT\u2019s Action" in html
        assert "over MCP at <code>/mcp</code>" in html
        assert 'href="/oauth/login/?next=/"' in html
        for link in [*LINKS, "/privacy/"]:
            assert f'href="{link}"' in html
        assert "Public URL" not in html  # the setup's state is for staff only

    def test_a_signed_in_user_sees_who_and_no_setup_state(self, client, user):
        client.force_login(user)
        html = client.get("/").content.decode()
        assert "Signed in as <strong>alice</strong>" in html
        assert "/oauth/login/" not in html
        assert "Public URL" not in html

    def test_staff_see_what_is_missing(self, client):
        client.force_login(make_user("builder", is_staff=True, is_superuser=True))
        html = client.get("/").content.decode()
        assert "Public URL not set: ChatGPT cannot reach <code>https://testserver</code>" in html
        assert "Public URL not set" in html and "<code>make tunnel</code>" in html
        assert "No GPT client registered (OAuth)." in html and 'href="/admin/oauth2_provider/application/add/"' in html
        assert "No active API key." in html and 'href="/admin/gptactions/apikey/add/"' in html

    def test_staff_see_what_is_done(self, client, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        builder = make_user("builder", is_staff=True, is_superuser=True)
        make_gpt_client()
        make_api_key(builder)
        make_api_key(builder)
        api_key_revoke(api_key=make_api_key(builder)[0])
        client.force_login(builder)
        html = client.get("/").content.decode()
        assert "Public URL: <code>https://demo.ngrok-free.app</code>" in html
        assert "1 GPT client registered (OAuth)" in html
        assert "2 active API keys" in html

    def test_speaks_simplified_chinese(self, client):
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
        assert '<html lang="zh-hans">' in html
        assert "隐私政策" in html


@pytest.mark.django_db(transaction=True)
def test_home_page_in_chromium_for_staff(chromium, live_server):
    builder = make_user("builder", password=PASSWORD, is_staff=True, is_superuser=True)
    make_api_key(builder)
    page, elsewhere = local_page(chromium, live_server.url, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="GPT Action backend")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "home-anonymous.png", full_page=True)

    admin_sign_in(page, live_server.url, "builder", PASSWORD)
    page.get_by_role("link", name="View site").click()  # the admin's link to the site lands here
    expect(page.get_by_text("1 active API key")).to_be_visible()
    expect(page.get_by_text("Public URL not set")).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.screenshot(path=ARTIFACTS / "home-staff.png", full_page=True)
    page.get_by_role("link", name="API docs").click()
    expect(page.locator(".opblock")).to_have_count(5)
    assert elsewhere == []
