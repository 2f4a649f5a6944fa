"""Client secrets: a fast hash, re-hashing of old ones, and a limit on failures (issue 10, finding 4).

Over real HTTP (requests against live_server), as a GPT or an attacker calls the token endpoint.
"""

from __future__ import annotations

from http import HTTPStatus
from unittest import mock

import pytest
import requests
from django.contrib.auth.hashers import identify_hasher, make_password
from oauth2_provider.models import Application, RefreshToken

from gptactions import ratelimit
from tests.factories import make_access_token, make_gpt_client

LIMIT = 10  # OAUTH_CLIENT_AUTH_RATE's default: 10/min


@pytest.fixture
def client_and_secret(live_server, transactional_db):
    return make_gpt_client()


def token_request(
    base_url: str, client_id: str, secret: str, headers: dict[str, str] | None = None, **extra: str
) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": "no-such-token", **extra}
    return requests.post(f"{base_url}/oauth/token/", data=data, auth=(client_id, secret), headers=headers, timeout=10)


class ClientSecretHashTests:
    def test_new_secrets_are_stored_with_the_fast_hasher(self, client_and_secret):
        application, secret = client_and_secret
        stored = Application.objects.get(pk=application.pk).client_secret
        assert identify_hasher(stored).algorithm == "client_secret_sha256"
        assert secret not in stored

    def test_an_old_pbkdf2_secret_still_works_and_is_rehashed_on_success(
        self, live_server, client_and_secret, settings
    ):
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "oauthconsent.hashers.ClientSecretSHA256Hasher",
        ]
        application, secret = client_and_secret
        old_hash = make_password(secret, hasher="pbkdf2_sha256")
        Application.objects.filter(pk=application.pk).update(client_secret=old_hash)

        wrong = token_request(live_server.url, application.client_id, "wrong")
        assert wrong.status_code == HTTPStatus.UNAUTHORIZED
        assert Application.objects.get(pk=application.pk).client_secret == old_hash  # a failure changes nothing

        right = token_request(live_server.url, application.client_id, secret)
        assert right.json()["error"] == "invalid_grant"  # authenticated; only the refresh token is unknown
        stored = Application.objects.get(pk=application.pk).client_secret
        assert identify_hasher(stored).algorithm == "client_secret_sha256"
        assert token_request(live_server.url, application.client_id, secret).json()["error"] == "invalid_grant"


class FailedClientAuthLimitTests:
    def test_wrong_secrets_from_one_address_get_429_with_retry_after(self, live_server, client_and_secret):
        application, secret = client_and_secret
        statuses = [token_request(live_server.url, application.client_id, f"x{n}").status_code for n in range(LIMIT)]
        assert statuses == [HTTPStatus.UNAUTHORIZED] * LIMIT

        refused = token_request(live_server.url, application.client_id, secret)  # even the right one, from there

        assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["error"] == "too_many_requests"

    def test_failures_either_side_of_a_minute_boundary_count_together(self, live_server, client_and_secret):
        application, secret = client_and_secret
        now = [120 * 60 + 59.5]  # half a second before a whole minute
        with mock.patch.object(ratelimit, "time", mock.Mock(time=lambda: now[0], monotonic=lambda: now[0])):
            for n in range(LIMIT):
                if n == LIMIT // 2:
                    now[0] += 1.0  # the rest of the burst, half a second after it
                token_request(live_server.url, application.client_id, f"x{n}")
            refused = token_request(live_server.url, application.client_id, secret)

        # A clock-aligned window would have let this burst through twice over.
        assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(refused.headers["Retry-After"]) == 59

    def test_an_unknown_client_id_is_answered_like_a_known_one(self, live_server, client_and_secret):
        application, _ = client_and_secret
        known = token_request(live_server.url, application.client_id, "x")
        unknown = token_request(live_server.url, "no-such-client", "x")
        assert known.status_code == unknown.status_code == HTTPStatus.UNAUTHORIZED
        assert known.json() == unknown.json()

    def test_one_address_trying_many_client_ids_gets_429(self, live_server, client_and_secret):
        application, secret = client_and_secret
        for n in range(LIMIT):
            token_request(live_server.url, f"guess-{n}", "x")
        assert token_request(live_server.url, application.client_id, secret).status_code == HTTPStatus.TOO_MANY_REQUESTS

    @pytest.mark.parametrize("path", ["/oauth/revoke_token/", "/oauth/introspect/"])
    def test_revocation_and_introspection_count_failures_too(self, live_server, client_and_secret, path):
        application, _ = client_and_secret
        statuses = [
            requests.post(
                f"{live_server.url}{path}", data={"token": "t"}, auth=(application.client_id, "x"), timeout=10
            ).status_code
            for _ in range(LIMIT + 1)
        ]
        assert statuses[-1] == HTTPStatus.TOO_MANY_REQUESTS
        assert set(statuses[:-1]) <= {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}

    def test_right_secrets_are_not_counted(self, live_server, client_and_secret):
        application, secret = client_and_secret
        statuses = {token_request(live_server.url, application.client_id, secret).status_code for _ in range(LIMIT + 2)}
        assert statuses == {HTTPStatus.BAD_REQUEST}  # invalid_grant each time, never 429


@pytest.fixture
def behind_the_proxy(settings):
    """DJANGO_TRUST_PROXY=1's settings: the right-most X-Forwarded-For entry is the client's address."""
    settings.AXES_CLIENT_IP_CALLABLE = "gptactions.client_address.forwarded_client_address"


class NoLockoutPerClientTests:
    """Issue 21, finding 4: a client id is public, so bad secrets sent by others never lock the real client out."""

    def test_bad_secrets_from_ten_addresses_leave_the_real_client_its_token(
        self, live_server, client_and_secret, behind_the_proxy
    ):
        application, secret = client_and_secret
        access_token, _ = make_access_token(application=application)
        refresh = RefreshToken.objects.create(
            user=access_token.user, token="refresh-" + "r" * 40, application=application, access_token=access_token
        )
        for n in range(LIMIT):
            headers = {"X-Forwarded-For": f"203.0.113.{n}"}
            wrong = token_request(live_server.url, application.client_id, f"x{n}", headers=headers)
            assert wrong.status_code == HTTPStatus.UNAUTHORIZED

        own = token_request(
            live_server.url,
            application.client_id,
            secret,
            refresh_token=refresh.token,
            headers={"X-Forwarded-For": "198.51.100.7"},
        )

        assert own.status_code == HTTPStatus.OK, own.text
        assert own.json()["access_token"]

    def test_each_address_is_still_limited(self, live_server, client_and_secret, behind_the_proxy):
        application, _ = client_and_secret
        headers = {"X-Forwarded-For": "203.0.113.9"}
        statuses = [
            token_request(live_server.url, application.client_id, f"x{n}", headers=headers).status_code
            for n in range(LIMIT + 1)
        ]
        assert statuses == [HTTPStatus.UNAUTHORIZED] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS]
        other = token_request(live_server.url, application.client_id, "x", headers={"X-Forwarded-For": "203.0.113.10"})
        assert other.status_code == HTTPStatus.UNAUTHORIZED
