"""Admin > Add API key in Chromium: the user field, the shown-once page and its reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from tests.factories import PASSWORD, make_user
from tests.helpers.browser import ARTIFACTS, add_in_admin, horizontal_overflow


@pytest.mark.django_db(transaction=True)
def test_a_key_added_with_a_name_alone_is_the_signed_in_users_and_shown_once(chromium, live_server):
    builder = make_user("builder", password=PASSWORD, is_staff=True, is_superuser=True)
    make_user("someone-else")
    page, elsewhere = add_in_admin(
        chromium, live_server.url, "/admin/gptactions/apikey/add/", "builder", PASSWORD, "Recipe GPT key"
    )

    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    raw_key = page.locator("#raw-api-key").inner_text()
    api_key = api_key_find(raw_key=raw_key)
    assert api_key is not None and api_key.user == builder and api_key.name == "Recipe GPT key"
    assert page.get_by_text(raw_key, exact=True).count() == 3  # the key, then in the Bearer and Custom tables
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Copy API key", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == raw_key
    assert horizontal_overflow(page) == 0
    page.screenshot(path=ARTIFACTS / "shown-once-api-key.png", full_page=True)

    page.reload()
    expect(page.get_by_text("was shown once already")).to_be_visible()
    assert raw_key not in page.content()
    assert ApiKey.objects.count() == 1
    assert elsewhere == []
