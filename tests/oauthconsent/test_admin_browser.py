"""Admin > Add GPT client in Chromium, in a 1,280-pixel window: the secret page and its reload."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import get_application_model
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user
from tests.helpers.browser import ARTIFACTS, add_in_admin, horizontal_overflow


@pytest.mark.django_db(transaction=True)
def test_the_client_secret_is_shown_once_without_overflow_with_copy_buttons(chromium, live_server, settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
    builder = make_user("builder", password=PASSWORD, is_staff=True, is_superuser=True)
    page, elsewhere = add_in_admin(
        chromium, live_server.url, "/admin/oauth2_provider/application/add/", "builder", PASSWORD, "Recipe GPT"
    )

    expect(page.get_by_role("heading", name="GPT client secret")).to_be_visible()
    application = get_application_model().objects.get()
    assert application.user == builder
    secret = page.locator("#paste-client-secret").inner_text()
    assert len(secret) >= 64 and check_password(secret, application.client_secret)
    assert page.get_by_text(secret).count() == 1  # visible once (its Copy button holds it, unseen)
    assert horizontal_overflow(page) == 0
    page.wait_for_load_state("load")
    for field in ("Client ID", "Client Secret", "Authorization URL", "Token URL", "Scope"):
        expect(page.get_by_role("button", name=f"Copy {field}", exact=True)).to_be_visible()
    page.get_by_role("button", name="Copy Client Secret", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.screenshot(path=ARTIFACTS / "shown-once-gpt-client-secret.png", full_page=True)

    page.reload()
    expect(page.get_by_text("was shown once already")).to_be_visible()
    assert secret not in page.content()
    assert horizontal_overflow(page) == 0
    application.refresh_from_db()
    assert check_password(secret, application.client_secret)  # the reload issued no new secret
    assert get_application_model().objects.count() == 1
    assert elsewhere == []
