"""The admin's "GPT Action setup" page and privacy policy, with the test client and in Chromium."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AbstractBaseUser
from oauth2_provider.models import Application
from playwright.sync_api import expect

from gptsetup.presentation import default_privacy_text
from tests.factories import ALL_SCOPES, PASSWORD, make_gpt_client, make_privacy_policy, make_user
from tests.helpers.browser import ARTIFACTS, local_page

SETUP_URL = "/admin/gptsetup/gptactionsetup/"


@pytest.fixture
def admin_user(db) -> AbstractBaseUser:
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
class SetupPageTests:
    def test_listed_in_the_admin_index(self, admin_client):
        html = admin_client.get("/admin/").content.decode()
        assert f'href="{SETUP_URL}"' in html
        assert "GPT Action setup" in html

    def test_api_key_values_with_lint(self, admin_client, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "http://demo.ngrok-free.app"}
        response = admin_client.get(SETUP_URL + "?auth=custom")
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert 'data-copy="http://demo.ngrok-free.app/api/schema/?auth=custom"' in html
        assert 'data-copy="api-key"' in html
        assert 'data-copy="http://demo.ngrok-free.app/privacy/"' in html
        assert "gptsetup.W002" in html

    def test_oauth_values_for_the_chosen_client(self, admin_client, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        make_gpt_client("First")[0]
        second = make_gpt_client("Second")[0]
        first = make_gpt_client("Third")[0]
        html = admin_client.get(f"{SETUP_URL}?auth=oauth&client={second.client_id}").content.decode()
        assert f'data-copy="{second.client_id}"' in html
        assert f'data-copy="{first.client_id}"' not in html
        assert 'data-copy="https://demo.ngrok-free.app/oauth/token/"' in html
        assert f'data-copy="{ALL_SCOPES}"' in html
        assert "gptsetup.W0" not in html

    def test_without_public_base_url_uses_the_admins_host_and_warns(self, admin_client, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        settings.ALLOWED_HOSTS = ["items.example.com"]
        html = admin_client.get(SETUP_URL, HTTP_HOST="items.example.com").content.decode()
        assert 'data-copy="https://items.example.com/api/schema/?auth=bearer"' in html
        assert "gptsetup.W001" in html

    def test_staff_only(self, client):
        client.force_login(make_user("visitor"))
        response = client.get(SETUP_URL)
        assert response.status_code == HTTPStatus.FOUND
        assert urlsplit(response["Location"]).path == "/admin/login/"


@pytest.mark.django_db
class PrivacyPolicyAdminTests:
    def test_add_form_starts_from_the_default_text(self, admin_client):
        html = admin_client.get("/admin/gptsetup/privacypolicy/add/").content.decode()
        assert "What is stored" in html

    def test_edited_text_is_what_privacy_shows(self, admin_client):
        response = admin_client.post("/admin/gptsetup/privacypolicy/add/", {"text": "Our own policy."})
        assert response.status_code == HTTPStatus.FOUND
        assert "Our own policy." in admin_client.get("/privacy/").content.decode()

    def test_only_one_policy(self, admin_client):
        make_privacy_policy(default_privacy_text())
        assert admin_client.get("/admin/gptsetup/privacypolicy/add/").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db(transaction=True)
class SetupPageBrowserTests:
    @pytest.fixture
    def gpt_client(self, settings) -> Application:
        # Before the browser starts: ORM calls made under Playwright's greenlet get a connection of their own.
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        make_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
        return make_gpt_client()[0]

    def test_admin_copies_the_oauth_token_url(self, gpt_client, live_server, chromium):
        client = gpt_client
        page, elsewhere = local_page(chromium, live_server.url, clipboard=True)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        page.goto(f"{live_server.url}/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.get_by_role("link", name="GPT Action setup").click()
        page.locator("#content-main").get_by_role("link", name="OAuth", exact=True).click()

        expect(page.get_by_text(client.client_id)).to_be_visible()
        page.wait_for_load_state("load")  # the copy script is deferred: a click before it runs does nothing
        button = page.get_by_role("button", name="Copy Token URL")
        button.click()
        expect(button).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == "https://demo.ngrok-free.app/oauth/token/"
        page.get_by_role("button", name="Copy Client ID").click()
        assert page.evaluate("navigator.clipboard.readText()") == client.client_id

        page.screenshot(path=ARTIFACTS / "gpt-action-setup.png", full_page=True)
        assert errors == []
        assert elsewhere == []

    def test_swagger_ui_shows_every_operation_from_local_assets(self, chromium, live_server):
        page, elsewhere = local_page(chromium, live_server.url)
        page.goto(f"{live_server.url}/api/docs/")
        expect(page.locator(".opblock")).to_have_count(9)  # items: 5, the suite's notes: 4
        for summary in ("List the user's items", "Create an item", "Get one item", "Change an item", "Delete an item"):
            expect(page.get_by_text(summary, exact=True)).to_be_visible()
        assert elsewhere == []

    def test_redoc_shows_every_operation_and_fetches_nothing_elsewhere(self, chromium, live_server):
        page, elsewhere = local_page(chromium, live_server.url)
        page.goto(f"{live_server.url}/api/redoc/")
        expect(page.locator("h2", has_text="List the user's items")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert elsewhere == []


@pytest.mark.django_db(transaction=True)
class SetupPageLayoutTests:
    """Each table under its own caption, instructions as text with code, nothing over the Copy column (issue 21,
    finding 14)."""

    @pytest.fixture
    def page(self, settings, live_server, chromium):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        make_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
        page, elsewhere = local_page(chromium, live_server.url, viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/admin/login/?next={SETUP_URL}?auth=bearer")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state("load")
        yield page
        assert elsewhere == []

    def test_the_mcp_url_is_under_no_other_tables_caption(self, page):
        page.screenshot(path=ARTIFACTS / "gpt-action-setup-bearer.png", full_page=True)
        mcp_table = page.locator("#mcp table.paste-values").first
        expect(mcp_table.get_by_role("button", name="Copy MCP server URL")).to_be_visible()
        assert mcp_table.locator("caption").count() == 0
        captions = page.locator("table.paste-values caption").all_inner_texts()
        assert captions.count("Privacy policy") == 1

    def test_the_api_key_instruction_shows_code_not_backticks_and_stays_in_its_column(self, page):
        row = page.locator("table.paste-values tr", has=page.locator("th", has_text="API Key")).first
        instruction = row.locator("td.instruction")
        assert "`" not in instruction.inner_text()
        expect(instruction.locator("code")).to_have_text("python manage.py create_api_key USERNAME")
        row.screenshot(path=ARTIFACTS / "gpt-action-setup-api-key-row.png")
        table = row.locator("xpath=ancestor::table[1]")
        table_box, cell_box = table.bounding_box(), instruction.bounding_box()
        assert cell_box["x"] + cell_box["width"] <= table_box["x"] + table_box["width"] + 1
        # The instruction starts where the other rows' values start, left of their Copy column, on two lines at most.
        text = instruction.evaluate(
            "cell => { const r = document.createRange(); r.selectNodeContents(cell);"
            " const rects = [...r.getClientRects()];"
            " return {left: Math.min(...rects.map(x => x.left)), top: Math.min(...rects.map(x => x.top)),"
            " bottom: Math.max(...rects.map(x => x.bottom))}; }"
        )
        value_left = table.locator("td:not(.instruction) > code").first.bounding_box()["x"]
        assert abs(text["left"] - value_left) < 12, (text, value_left)
        line_height = float(instruction.evaluate("cell => parseFloat(getComputedStyle(cell).lineHeight) || 16"))
        assert text["bottom"] - text["top"] <= 2.5 * line_height, text
