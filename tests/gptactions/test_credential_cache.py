"""Keys and tokens verified recently cost no query; revocation, expiry and deactivation still take effect in time.

A change made by another process (simulated by a queryset update, which sends no signal) is seen once
API_AUTH_CACHE_SECONDS have passed; one made in this process through the ORM, at once; expiry, always at once.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from gptactions import credential_cache
from gptactions.authentication import HeaderApiKeyAuthentication, OAuthTokenAuthentication
from gptactions.models import ApiKey
from gptactions.services import api_key_revoke
from tests.factories import make_access_token, make_api_key
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The credential memory's clock, moved forward by hand."""
    now = [time.monotonic()]
    monkeypatch.setattr(credential_cache.time, "monotonic", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def get_items(api, raw_key: str):
    return api.get("/items/", **auth_headers("custom", raw_key))


class ApiKeyMemoryTests:
    def test_known_key_costs_no_query(self, api, raw_key):
        get_items(api, raw_key)
        with CaptureQueriesContext(connection) as queries:
            assert get_items(api, raw_key).status_code == HTTPStatus.OK
        assert not [q for q in queries.captured_queries if "gptactions_apikey" in q["sql"]]

    def test_revoked_elsewhere_is_refused_once_the_lifetime_passed(self, api, user, settings, clock):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 5}
        api_key, raw_key = make_api_key(user)
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())  # another process
        clock(4.9)
        assert get_items(api, raw_key).status_code == HTTPStatus.OK  # still within the documented lifetime
        clock(0.2)
        response = get_items(api, raw_key)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "This API key has been revoked."}

    def test_lifetime_zero_refuses_at_once(self, api, user, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 0}
        api_key, raw_key = make_api_key(user)
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
        assert get_items(api, raw_key).status_code == HTTPStatus.UNAUTHORIZED

    def test_revoked_in_this_process_is_refused_at_once(self, api, user, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 60}
        api_key, raw_key = make_api_key(user)
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk))
        assert get_items(api, raw_key).status_code == HTTPStatus.UNAUTHORIZED

    def test_user_deactivated_elsewhere_is_refused_once_the_lifetime_passed(self, api, user, raw_key, clock):
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        clock(5.1)
        response = get_items(api, raw_key)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "The user of this API key is inactive."}

    def test_user_deactivated_in_this_process_is_refused_at_once(self, api, user, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 60}
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        user.is_active = False
        user.save()
        assert get_items(api, raw_key).status_code == HTTPStatus.UNAUTHORIZED

    def test_expiry_is_checked_on_every_call(self, api, user, settings, monkeypatch):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 60}
        _, raw_key = make_api_key(user, expires_at=timezone.now() + timedelta(minutes=1))
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        later = timezone.now() + timedelta(minutes=2)
        monkeypatch.setattr(timezone, "now", lambda: later)
        response = get_items(api, raw_key)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "This API key has expired."}


class AccessTokenMemoryTests:
    def bearer(self, api, token: str):
        return api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token}")

    def test_known_token_costs_no_query(self, api, user):
        _, token = make_access_token(user)
        self.bearer(api, token)
        with CaptureQueriesContext(connection) as queries:
            assert self.bearer(api, token).status_code == HTTPStatus.OK
        assert not [q for q in queries.captured_queries if "oauth2_provider" in q["sql"]]

    def test_revoked_elsewhere_is_refused_once_the_lifetime_passed(self, api, user, clock):
        access_token, token = make_access_token(user)
        assert self.bearer(api, token).status_code == HTTPStatus.OK
        get_access_token_model().objects.filter(pk=access_token.pk).delete()  # signals fire, but...
        digest = hashlib.sha256(token.encode()).hexdigest()
        credential_cache.access_tokens.put(digest, access_token, 5)  # ...another worker still remembers it
        clock(4.9)
        assert self.bearer(api, token).status_code == HTTPStatus.OK
        clock(0.2)
        response = self.bearer(api, token)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response["WWW-Authenticate"]

    def test_revoked_in_this_process_is_refused_at_once(self, api, user, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 60}
        access_token, token = make_access_token(user)
        assert self.bearer(api, token).status_code == HTTPStatus.OK
        access_token.delete()
        assert self.bearer(api, token).status_code == HTTPStatus.UNAUTHORIZED

    def test_expiry_is_checked_on_every_call(self, api, user, settings, monkeypatch):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_CACHE_SECONDS": 600}
        _, token = make_access_token(user, expires_in=60)
        assert self.bearer(api, token).status_code == HTTPStatus.OK
        later = timezone.now() + timedelta(minutes=2)
        monkeypatch.setattr(timezone, "now", lambda: later)
        response = self.bearer(api, token)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response["WWW-Authenticate"]


class FreshInstancesTests:
    """Each request gets instances of its own: what one request changes on request.user or request.auth
    never shows in the next request authenticated from the memory (nor in another thread's)."""

    def request(self, **headers):
        return Request(APIRequestFactory().get("/items/", **headers))

    def test_a_key_and_its_user_changed_in_one_request_are_not_the_next_ones(self, user, raw_key):
        authentication = HeaderApiKeyAuthentication()
        first_user, first_key = authentication.authenticate(self.request(**auth_headers("custom", raw_key)))
        first_user.username, first_user.is_superuser, first_key.scope = "mallory", True, "everything"
        with CaptureQueriesContext(connection) as queries:
            second_user, second_key = authentication.authenticate(self.request(**auth_headers("custom", raw_key)))
        assert len(queries) == 0  # from the memory
        assert second_user is not first_user and second_key is not first_key
        assert (second_user.username, second_user.is_superuser, second_key.scope) == (
            user.username,
            False,
            ApiKey.objects.get(pk=first_key.pk).scope,
        )
        assert second_key.user is second_user

    def test_a_token_and_its_user_changed_in_one_request_are_not_the_next_ones(self, user):
        _, token = make_access_token(user)
        authentication = OAuthTokenAuthentication()
        first_user, first_token = authentication.authenticate(self.request(HTTP_AUTHORIZATION=f"Bearer {token}"))
        first_user.username, first_token.scope = "mallory", "everything"
        with CaptureQueriesContext(connection) as queries:
            second_user, second_token = authentication.authenticate(self.request(HTTP_AUTHORIZATION=f"Bearer {token}"))
        assert len(queries) == 0
        assert (second_user.username, second_token.scope) == (user.username, "items:read items:write")
        assert second_token.user is second_user and second_token.application_id == first_token.application_id

    def test_last_use_is_remembered_without_extending_the_lifetime(self, api, user, raw_key, settings, clock):
        settings.API_AUTH_CACHE_SECONDS = 5
        assert get_items(api, raw_key).status_code == HTTPStatus.OK
        api_key = ApiKey.objects.get(user=user)
        assert api_key.last_used_at is not None
        clock(2)
        with CaptureQueriesContext(connection) as queries:
            assert get_items(api, raw_key).status_code == HTTPStatus.OK
        assert not [q for q in queries.captured_queries if "gptactions_apikey" in q["sql"]]  # no second write
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
        clock(3.1)
        assert get_items(api, raw_key).status_code == HTTPStatus.UNAUTHORIZED
