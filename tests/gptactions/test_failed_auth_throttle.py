"""Failed API-key authentication is throttled per client IP (issue 10, finding 9): 429 with Retry-After."""

from __future__ import annotations

from http import HTTPStatus
from unittest import mock

import pytest
from django.core.checks import run_checks
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gptactions import ratelimit
from gptactions.keys import new_raw_key
from gptactions.services import api_key_revoke
from tests.factories import make_api_key
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db


def attempt(api, raw_key: str, style: str = "custom", ip: str = "203.0.113.7"):
    return api.get("/items/", REMOTE_ADDR=ip, **auth_headers(style, raw_key))


class FailedAuthThrottleTests:
    def test_sixty_wrong_keys_from_one_address_are_not_all_401(self, api):
        statuses = [attempt(api, new_raw_key()).status_code for _ in range(60)]
        assert HTTPStatus.TOO_MANY_REQUESTS in statuses

    @pytest.mark.parametrize("style", ["bearer", "basic", "custom"])
    def test_over_the_rate_is_429_with_retry_after(self, api, settings, style):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "5/min"}
        for _ in range(5):
            response = attempt(api, new_raw_key(), style)
            assert response.status_code == HTTPStatus.UNAUTHORIZED
            assert response["WWW-Authenticate"]
        response = attempt(api, new_raw_key(), style)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert 0 < int(response["Retry-After"]) <= 60
        assert response.json()["detail"].startswith("Request was throttled.")

    def test_failures_either_side_of_a_minute_boundary_count_together(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "4/min"}
        now = [120 * 60 + 59.5]  # half a second before a whole minute
        with mock.patch.object(ratelimit, "time", mock.Mock(time=lambda: now[0], monotonic=lambda: now[0])):
            for n in range(4):
                if n == 2:
                    now[0] += 1.0  # the rest of the burst, half a second after it
                assert attempt(api, new_raw_key()).status_code == HTTPStatus.UNAUTHORIZED
            response = attempt(api, new_raw_key())

        # A clock-aligned window would have let this burst through twice over.
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert response["Retry-After"] == "59"

    def test_blocked_address_costs_no_key_lookup(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "1/min"}
        attempt(api, new_raw_key())
        with CaptureQueriesContext(connection) as queries:
            assert attempt(api, new_raw_key()).status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert len(queries) == 0

    def test_revoked_key_counts_as_a_failure(self, api, user, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "2/min"}
        api_key, raw_key = make_api_key(user)
        api_key_revoke(api_key=api_key)
        statuses = [attempt(api, raw_key).status_code for _ in range(3)]
        assert statuses == [HTTPStatus.UNAUTHORIZED] * 2 + [HTTPStatus.TOO_MANY_REQUESTS]

    def test_other_addresses_and_keys_in_use_are_not_slowed(self, api, raw_key, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "2/min"}
        assert attempt(api, raw_key).status_code == HTTPStatus.OK  # verified before the attack
        for _ in range(3):
            attempt(api, new_raw_key())
        assert attempt(api, new_raw_key()).status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert attempt(api, raw_key).status_code == HTTPStatus.OK
        assert attempt(api, new_raw_key(), ip="198.51.100.1").status_code == HTTPStatus.UNAUTHORIZED

    def test_off_turns_it_off(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "off"}
        statuses = {attempt(api, new_raw_key()).status_code for _ in range(60)}
        assert statuses == {HTTPStatus.UNAUTHORIZED}


def test_bad_settings_are_system_check_errors(settings):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "many", "API_AUTH_CACHE_SECONDS": -1}
    assert [m.id for m in run_checks() if m.id.startswith("gptactions.")] == ["gptactions.E004", "gptactions.E005"]
