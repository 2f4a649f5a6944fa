from __future__ import annotations

import base64
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gptactions.services import api_key_revoke
from tests.factories import make_access_token, make_api_key, make_item, make_user
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

STYLES = ["basic", "bearer", "custom"]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class RightKeyTests:
    @pytest.mark.parametrize("style", STYLES)
    def test_each_style_with_right_key_lists_own_items(self, api, user, raw_key, style):
        make_item(user, name="Mine")
        response = api.get("/items/", **auth_headers(style, raw_key))
        assert response.status_code == HTTPStatus.OK
        assert [item["name"] for item in response.json()["results"]] == ["Mine"]

    @pytest.mark.parametrize(
        "authorization",
        [
            lambda key: "Basic " + b64(f"alice:{key}".encode()),
            lambda key: "Basic " + b64(f"{key}:".encode()),
            lambda key: "Basic " + b64(f"{key}\n".encode()),  # `echo KEY | base64` keeps the newline
            lambda key: f"Basic {key}",  # raw key pasted where base64 was expected
            lambda key: f"bearer {key}",
        ],
        ids=["user:key", "key:", "trailing-newline", "raw-key-in-basic", "lowercase-bearer"],
    )
    def test_lenient_forms_are_accepted(self, api, raw_key, authorization):
        response = api.get("/items/", HTTP_AUTHORIZATION=authorization(raw_key))
        assert response.status_code == HTTPStatus.OK

    def test_custom_header_name_comes_from_setting(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_KEY_HEADER": "X-Gpt-Key"}
        assert api.get("/items/", HTTP_X_GPT_KEY=raw_key).status_code == HTTPStatus.OK
        assert api.get("/items/", HTTP_API_KEY=raw_key).status_code == HTTPStatus.UNAUTHORIZED


MALFORMED = {
    "basic": {
        "bad-base64": "Basic !!!not-base64!!!",
        "non-utf8": "Basic " + b64(b"\xff\xfe\xfd"),
        "empty": "Basic ",
        "wrong-key": "Basic " + b64(b"gpta_" + b"A" * 40),
        "huge": "Basic " + b64(b"x" * 5000),
        "latin1-bytes": "Basic \xe9\xe8",
    },
    "bearer": {
        "wrong-key": "Bearer gpta_" + "A" * 40,
        "short-key": "Bearer gpta_abc",
        "empty": "Bearer ",
        "huge": "Bearer gpta_" + "x" * 7000,
        "latin1-bytes": "Bearer gpta_\xe9\xe8",
        "wrong-scheme": "Token gpta_" + "A" * 40,
    },
}


class BadCredentialTests:
    @pytest.mark.parametrize(
        ("style", "authorization"),
        [(style, value) for style, cases in MALFORMED.items() for value in cases.values()],
        ids=[f"{style}-{case}" for style, cases in MALFORMED.items() for case in cases],
    )
    def test_malformed_authorization_returns_401_with_challenge(self, api, raw_key, style, authorization):
        response = api.get("/items/", HTTP_AUTHORIZATION=authorization)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response["WWW-Authenticate"]
        assert "detail" in response.json()

    @pytest.mark.parametrize(
        "value",
        ["", "   ", "wrong", "gpta_" + "A" * 40, "x" * 7000, "\xff\xfe", "Bearer gpta_" + "A" * 40],
        ids=["empty", "blank", "wrong", "wrong-key", "huge", "latin1-bytes", "with-scheme"],
    )
    def test_malformed_custom_header_returns_401(self, api, raw_key, value):
        response = api.get("/items/", HTTP_API_KEY=value)
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response["WWW-Authenticate"]

    def test_no_credentials_returns_401_with_first_scheme(self, api):
        response = api.get("/items/")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json() == {"detail": "Authentication credentials were not provided."}

    @pytest.mark.parametrize("style", STYLES)
    def test_revoked_key_returns_401(self, api, user, style):
        api_key, raw_key = make_api_key(user)
        api_key_revoke(api_key=api_key)
        response = api.get("/items/", **auth_headers(style, raw_key))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "This API key has been revoked."}

    @pytest.mark.parametrize("style", STYLES)
    def test_expired_key_returns_401(self, api, user, style):
        _, raw_key = make_api_key(user, expires_at=timezone.now() - timedelta(seconds=1))
        response = api.get("/items/", **auth_headers(style, raw_key))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "This API key has expired."}

    def test_key_of_inactive_user_returns_401(self, api):
        _, raw_key = make_api_key(make_user(is_active=False))
        assert api.get("/items/", **auth_headers("custom", raw_key)).status_code == HTTPStatus.UNAUTHORIZED

    def test_key_with_one_changed_character_returns_401(self, api, raw_key):
        tampered = raw_key[:-1] + ("a" if raw_key[-1] != "a" else "b")
        response = api.get("/items/", **auth_headers("bearer", tampered))
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json() == {"detail": "Invalid API key."}


class StyleSettingTests:
    """Which styles are on is a setting; each class also works alone."""

    @pytest.mark.parametrize("style", STYLES)
    def test_only_the_enabled_style_is_accepted(self, api, raw_key, settings, style):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": [style]}
        for other in STYLES:
            expected = HTTPStatus.OK if other == style else HTTPStatus.UNAUTHORIZED
            assert api.get("/items/", **auth_headers(other, raw_key)).status_code == expected, other

    def test_first_enabled_style_names_the_challenge(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["custom", "basic"]}
        assert api.get("/items/")["WWW-Authenticate"] == 'ApiKey realm="api", header="api-key"'

    def test_unknown_bearer_value_falls_through_to_next_class(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["bearer", "custom"]}
        # An OAuth-looking Bearer value is not ours: the header class still authenticates.
        response = api.get("/items/", HTTP_AUTHORIZATION="Bearer some-oauth-token", HTTP_API_KEY=raw_key)
        assert response.status_code == HTTPStatus.OK


class OAuthTokenTests:
    """OAuth access tokens ride the same Bearer header; the key prefix tells them apart."""

    def test_access_token_acts_as_its_user(self, api, user):
        make_item(user, name="Mine")
        _, token = make_access_token(user)
        response = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == HTTPStatus.OK
        assert [i["name"] for i in response.json()["results"]] == ["Mine"]

    def test_read_only_token_cannot_write(self, api, user):
        _, token = make_access_token(user, scope="items:read")
        response = api.post("/items/", {"name": "x", "price": 1}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == HTTPStatus.FORBIDDEN

    def test_expired_token_returns_401_naming_invalid_token(self, api, user):
        _, token = make_access_token(user, expires_in=-1)
        response = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert response["WWW-Authenticate"].startswith('Bearer realm="api"')

    @pytest.mark.parametrize("styles", [["oauth", "custom"], ["custom", "oauth"], ["basic", "bearer", "oauth"]])
    def test_refused_token_gets_invalid_token_whichever_style_comes_first(self, api, user, settings, styles):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": styles}
        _, token = make_access_token(user, expires_in=-1)
        response = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        challenge = response["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="api"') and 'error="invalid_token"' in challenge

    def test_without_credentials_the_first_listed_style_names_the_challenge(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["oauth", "custom"]}
        assert api.get("/items/")["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_oauth_first_costs_key_users_no_token_lookup(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["oauth", "bearer"]}
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        assert response.status_code == HTTPStatus.OK
        assert not [query for query in queries.captured_queries if "oauth2_provider_accesstoken" in query["sql"]]

    def test_error_description_is_quoted_in_the_challenge(self, api, user, settings):
        _, token = make_access_token(user, expires_in=-1)
        challenge = api.get("/items/", HTTP_AUTHORIZATION=f"Bearer {token}")["WWW-Authenticate"]
        # DOT's builder: comma-separated quoted-string parameters (RFC 9110), with quotes escaped.
        assert re.fullmatch(r'Bearer (\w+="([^"\\]|\\.)*")(,\w+="([^"\\]|\\.)*")*', challenge), challenge
