"""A deactivated user keeps no OAuth access (issue 10, finding 2), over real HTTP against live_server."""

from __future__ import annotations

from http import HTTPStatus

import requests
from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken, RefreshToken

from tests.factories import make_user
from tests.helpers.oauth import GPT_CALLBACK, UserAgent, forms_of, query_of


def connect(gpt, browser) -> dict:
    authorization_url, _ = gpt.session().authorization_url(gpt.authorization_url)
    code = query_of(browser.authorize(authorization_url))["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": GPT_CALLBACK}
    return requests.post(gpt.token_url, data=data, auth=(gpt.client_id, gpt.client_secret), timeout=10).json()


def items_status(gpt, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{gpt.base_url}/items/", headers=headers, timeout=10).status_code


def refresh_status(gpt, refresh_token: str) -> int:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return requests.post(gpt.token_url, data=data, auth=(gpt.client_id, gpt.client_secret), timeout=10).status_code


def deactivate_without_signals(user) -> None:
    # A row changed behind Django's back (a SQL console, a bulk update): the tokens survive it,
    # so the server itself must refuse them.
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)


class DeactivatedUserTests:
    def test_access_token_is_refused_with_invalid_token(self, gpt, alice, browser, settings):
        # The API remembers a verified token for API_AUTH_CACHE_SECONDS (tests/items/test_credential_cache.py
        # shows a deactivation taking effect within it); with no memory, this is the validator's own refusal.
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 0}
        token = connect(gpt, browser)
        assert items_status(gpt, token["access_token"]) == HTTPStatus.OK
        deactivate_without_signals(alice)

        response = requests.get(
            f"{gpt.base_url}/items/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
        )

        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]

    def test_refresh_token_is_refused(self, gpt, alice, browser):
        token = connect(gpt, browser)
        deactivate_without_signals(alice)
        assert refresh_status(gpt, token["refresh_token"]) == HTTPStatus.BAD_REQUEST

    def test_pending_code_is_refused(self, gpt, alice, browser):
        authorization_url, _ = gpt.session().authorization_url(gpt.authorization_url)
        code = query_of(browser.authorize(authorization_url))["code"]
        deactivate_without_signals(alice)
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": GPT_CALLBACK}
        response = requests.post(gpt.token_url, data=data, auth=(gpt.client_id, gpt.client_secret), timeout=10)
        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_admin_deactivating_a_user_revokes_their_tokens(self, gpt, alice, browser, live_server):
        token = connect(gpt, browser)
        make_user("root", is_staff=True, is_superuser=True)
        admin = UserAgent(live_server.url)
        admin.sign_in("root")
        change_url = f"/admin/auth/user/{alice.pk}/change/"
        form = forms_of(admin.get(change_url).text)[-1]
        data = {name: value for name, value in form["fields"].items() if name != "is_active"}  # unticked

        saved = admin.post(change_url, data)

        assert saved.status_code == HTTPStatus.FOUND, saved.text
        alice.refresh_from_db()
        assert not alice.is_active
        assert not AccessToken.objects.filter(user=alice).exists()
        assert not RefreshToken.objects.filter(user=alice, revoked__isnull=True).exists()
        # Reactivating the account does not bring the old tokens back.
        get_user_model().objects.filter(pk=alice.pk).update(is_active=True)
        assert items_status(gpt, token["access_token"]) == HTTPStatus.UNAUTHORIZED
        assert refresh_status(gpt, token["refresh_token"]) == HTTPStatus.BAD_REQUEST
