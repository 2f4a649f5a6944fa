"""A real browser (Debian's chromium through Playwright) on the sign-in, consent and admin pages.

Screenshots go to artifacts/ (git-ignored): sign-in, consent (English; Chinese on a phone), connected GPTs, admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import requests
from oauth2_provider.models import Application
from playwright.sync_api import Browser, Page, sync_playwright

from tests.factories import make_gpt_client, make_user
from tests.helpers.browser import ARTIFACTS, launch_chromium
from tests.helpers.oauth import PASSWORD, query_of

TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop on this thread; the ORM calls in these tests are
    # ordinary synchronous ones (pytest-playwright documents the same switch for Django).
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    options = getattr(request, "param", {})
    context = chromium.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def authorization_url(base_url: str, application: Application, callback: str, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": callback,
        "scope": "items:read items:write",
        "state": state,
    }
    return f"{base_url}/oauth/authorize/?{urlencode(query)}"


def sign_in(page: Page, username: str) -> None:
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#sign-in").click()


@pytest.mark.django_db(transaction=True)
class BrowserFlowTests:
    def test_sign_in_consent_and_allow_land_on_the_callback_with_a_code_then_disconnect(
        self, page, live_server, monkeypatch
    ):
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        make_user("alice")
        callback = f"{live_server.url}/gpt-callback"
        application, secret = make_gpt_client(callback_urls=(callback,))

        page.goto(authorization_url(live_server.url, application, callback, "st-1"))
        assert page.locator("h1").inner_text() == "Sign in"
        assert page.locator(".eyebrow").text_content() == "To connect Recipe GPT"
        page.screenshot(path=ARTIFACTS / "sign-in-en.png", full_page=True)
        sign_in(page, "alice")

        page.wait_for_selector("#allow")
        assert page.locator("h1").inner_text() == "Recipe GPT wants to use your account"
        assert page.locator(".scopes li").all_inner_texts() == [
            "Read your items",
            "Create, change and delete your items",
        ]
        assert "Signed in as alice" in page.inner_text(".account")
        page.screenshot(path=ARTIFACTS / "consent-en.png", full_page=True)

        with page.expect_navigation(url=f"{callback}?**"):
            page.locator("#allow").click()
        landed = query_of(page.url)
        assert landed["state"] == "st-1"
        token = requests.post(
            f"{live_server.url}/oauth/token/",
            data={"grant_type": "authorization_code", "code": landed["code"], "redirect_uri": callback},
            auth=(application.client_id, secret),
            timeout=10,
        )
        assert token.status_code == 200
        assert token.json()["token_type"] == "Bearer"

        page.goto(f"{live_server.url}/oauth/connected/")
        assert page.locator(".connections .client-name").all_inner_texts() == ["Recipe GPT"]
        page.screenshot(path=ARTIFACTS / "connected-en.png", full_page=True)
        page.get_by_role("button", name="Disconnect").click()
        assert page.locator(".message").inner_text() == "Recipe GPT is disconnected. It can no longer use your account."
        access_token = token.json()["access_token"]
        api = requests.get(f"{live_server.url}/items/", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
        assert api.status_code == 401

    @pytest.mark.parametrize("page", [{"locale": "zh-CN", "viewport": {"width": 390, "height": 844}}], indirect=True)
    def test_chinese_phone_user_sees_chinese_and_deny_returns_access_denied(self, page, live_server):
        make_user("alice")
        callback = f"{live_server.url}/gpt-callback"
        application, _ = make_gpt_client(callback_urls=(callback,))

        page.goto(authorization_url(live_server.url, application, callback, "st-2"))
        assert page.locator("h1").inner_text() == "登录"
        sign_in(page, "alice")
        page.wait_for_selector("#deny")
        assert page.locator("#allow").inner_text() == "允许"
        assert page.locator(".scopes li").all_inner_texts() == ["查看你的条目", "创建、修改和删除你的条目"]
        # Responsive: the card fits the phone's width, no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=ARTIFACTS / "consent-zh-phone.png", full_page=True)

        with page.expect_navigation(url=f"{callback}?**"):
            page.locator("#deny").click()
        assert query_of(page.url)["error"] == "access_denied"
        assert query_of(page.url)["state"] == "st-2"

    def test_admin_edits_the_callback_and_the_flow_uses_the_new_one(self, page, live_server):
        make_user("root", is_staff=True, is_superuser=True)
        old_callback, new_callback = f"{live_server.url}/old-callback", f"{live_server.url}/new-callback"
        application, _ = make_gpt_client(callback_urls=(old_callback,))

        page.goto(f"{live_server.url}/admin/oauth2_provider/application/{application.pk}/change/")
        page.locator("input[name=username]").fill("root")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[type=submit]").click()
        page.wait_for_selector("textarea[name=redirect_uris]")
        assert application.client_id in page.inner_text(".paste-values")
        page.locator("textarea[name=redirect_uris]").fill(new_callback)
        page.screenshot(path=ARTIFACTS / "admin-gpt-client.png", full_page=True)
        page.locator("input[name=_continue]").click()
        page.wait_for_selector(".messagelist .success")

        # The admin is signed in to the same site, so the consent page comes straight away.
        page.goto(authorization_url(live_server.url, application, old_callback, "old"))
        assert "This sign-in link does not work" in page.inner_text("main")
        page.goto(authorization_url(live_server.url, application, new_callback, "new"))
        with page.expect_navigation(url=f"{new_callback}?**"):
            page.locator("#allow").click()
        assert query_of(page.url)["state"] == "new"
        assert query_of(page.url)["code"]

    def test_locked_out_person_reads_why_and_for_how_long_in_their_language(self, page, live_server, settings):
        settings.AXES_FAILURE_LIMIT = 2
        make_user("alice")
        page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
        page.goto(f"{live_server.url}/oauth/login/")
        for _ in range(2):
            page.locator("input[name=username]").fill("alice")
            page.locator("input[name=password]").fill("wrong")
            page.locator("#sign-in").click()
        page.screenshot(path=ARTIFACTS / "locked-out-zh.png", full_page=True)
        assert "登录失败次数过多" in page.inner_text("main")
        assert "15 分钟" in page.inner_text("main")
