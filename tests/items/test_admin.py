from __future__ import annotations

from http import HTTPStatus

import pytest

from items.models import ApiKey
from items.services import api_key_find
from tests.factories import make_api_key, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


class ApiKeyAdminTests:
    def test_adding_a_key_shows_raw_key_once(self, admin_client, user):
        response = admin_client.post(
            "/admin/items/apikey/add/",
            {"user": user.pk, "name": "From admin", "scopes": ["items:read"], "expires_at_0": "", "expires_at_1": ""},
        )
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        api_key = ApiKey.objects.get(name="From admin")
        raw_key = html.split('id="raw-api-key"')[1].split(">")[1].split("<")[0]
        assert api_key_find(raw_key=raw_key) == api_key
        assert api_key.scopes == {"items:read"}
        assert "Custom, header name api-key" in html
        assert "&rsaquo; From admin" in html  # breadcrumbs name the new key

        change_page = admin_client.get(f"/admin/items/apikey/{api_key.pk}/change/").content.decode()
        assert raw_key not in change_page
        assert api_key.hashed_key not in change_page
        assert f"{api_key.prefix}…" in change_page

    def test_changelist_masks_keys(self, admin_client, user):
        api_key, raw_key = make_api_key(user)
        html = admin_client.get("/admin/items/apikey/").content.decode()
        assert f"{api_key.prefix}…" in html
        assert raw_key not in html and api_key.hashed_key not in html

    def test_revoke_action(self, admin_client, user):
        api_key, _ = make_api_key(user)
        response = admin_client.post(
            "/admin/items/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
        )
        assert response.status_code == HTTPStatus.OK
        api_key.refresh_from_db()
        assert api_key.is_revoked
