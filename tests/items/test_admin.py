from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session

from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from tests.factories import make_api_key, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


class ApiKeyAdminTests:
    def test_adding_a_key_shows_raw_key_once(self, admin_client, user):
        added = admin_client.post(
            "/admin/gptactions/apikey/add/",
            {"user": user.pk, "name": "From admin", "scopes": ["items:read"], "expires_at_0": "", "expires_at_1": ""},
        )
        api_key = ApiKey.objects.get(name="From admin")
        assert added.status_code == HTTPStatus.FOUND
        assert added["Location"] == f"/admin/gptactions/apikey/{api_key.pk}/secret/"
        response = admin_client.get(added["Location"])
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        raw_key = html.split('id="raw-api-key"')[1].split(">")[1].split("<")[0]
        assert api_key_find(raw_key=raw_key) == api_key
        assert api_key.scopes == {"items:read"}
        assert '<th scope="row">Custom Header Name</th>' in html
        assert "&rsaquo; From admin" in html  # breadcrumbs name the new key

        change_page = admin_client.get(f"/admin/gptactions/apikey/{api_key.pk}/change/").content.decode()
        assert raw_key not in change_page
        assert api_key.hashed_key not in change_page
        assert f"{api_key.prefix}…" in change_page

    def test_reloading_the_shown_once_page_makes_no_second_key(self, admin_client, user):
        form = {"user": user.pk, "name": "Once", "scopes": ["items:read"], "expires_at_0": "", "expires_at_1": ""}
        shown_once = admin_client.post("/admin/gptactions/apikey/add/", form)["Location"]
        first = admin_client.get(shown_once).content.decode()
        raw_key = first.split('id="raw-api-key"')[1].split(">")[1].split("<")[0]

        reload = admin_client.get(shown_once)
        assert reload.status_code == HTTPStatus.OK
        assert raw_key not in reload.content.decode()
        assert "was shown once already" in reload.content.decode()
        assert ApiKey.objects.count() == 1

    def test_the_key_is_in_no_session_row_and_only_this_browser_can_show_it(self, admin_client, user, client):
        form = {"user": user.pk, "name": "Kept", "scopes": ["items:read"], "expires_at_0": "", "expires_at_1": ""}
        added = admin_client.post("/admin/gptactions/apikey/add/", form)
        cookie = next(morsel for name, morsel in added.cookies.items() if name.startswith("shown_once_"))
        assert cookie["path"] == added["Location"] and cookie["httponly"] and cookie["samesite"] == "Strict"
        assert int(cookie["max-age"]) == 300
        stored = " ".join(session.session_data for session in Session.objects.all())
        decoded = [str(session.get_decoded()) for session in Session.objects.all()]
        # Another browser of the same admin (the session without the cookie) sees nothing.
        del admin_client.cookies[cookie.key]
        assert "was shown once already" in admin_client.get(added["Location"]).content.decode()
        key_prefix = ApiKey.objects.get(name="Kept").prefix
        assert key_prefix not in stored and not any(key_prefix in data for data in decoded)

    def test_changelist_masks_keys(self, admin_client, user):
        api_key, raw_key = make_api_key(user)
        html = admin_client.get("/admin/gptactions/apikey/").content.decode()
        assert f"{api_key.prefix}…" in html
        assert raw_key not in html and api_key.hashed_key not in html

    def test_revoke_action(self, admin_client, user):
        api_key, _ = make_api_key(user)
        response = admin_client.post(
            "/admin/gptactions/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
        )
        assert response.status_code == HTTPStatus.OK
        api_key.refresh_from_db()
        assert api_key.is_revoked
