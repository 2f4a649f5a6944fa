"""Brute force on the sign-in pages (issue 10, finding 1), over real HTTP against live_server.

django-axes counts failures per username and address together, and per address, on /oauth/login/ and /admin/login/.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
import requests
from axes.models import AccessAttempt
from django.utils import timezone

from tests.factories import PASSWORD, make_user
from tests.helpers.oauth import UserAgent, forms_of

SIGN_IN_PAGES = ["/oauth/login/", "/admin/login/"]
LIMIT = 10  # SIGNIN_FAILURE_LIMIT's default


def attempt(base_url: str, page: str, username: str, password: str) -> requests.Response:
    agent = UserAgent(base_url)
    form = agent.get(page)
    return agent.post(page, {**forms_of(form.text)[-1]["fields"], "username": username, "password": password})


@pytest.fixture
def alice(transactional_db):
    return make_user("alice", is_staff=True)


class LockoutTests:
    @pytest.mark.parametrize("page", SIGN_IN_PAGES)
    def test_account_is_locked_after_the_limit_even_for_the_right_password(self, live_server, alice, page):
        statuses = [attempt(live_server.url, page, "alice", f"wrong {n}").status_code for n in range(LIMIT)]
        # The form again with its error, until the last failure allowed locks.
        assert statuses == [HTTPStatus.OK] * (LIMIT - 1) + [HTTPStatus.TOO_MANY_REQUESTS]

        locked = attempt(live_server.url, page, "alice", PASSWORD)

        assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Too many failed sign-ins" in locked.text
        assert "try again in 15 min" in locked.text
        assert int(locked.headers["Retry-After"]) == 15 * 60
        assert "sessionid" not in locked.cookies

    def test_one_address_trying_many_accounts_is_locked(self, live_server, alice):
        for n in range(LIMIT):
            attempt(live_server.url, "/oauth/login/", f"guess{n}", "123456")
        assert attempt(live_server.url, "/oauth/login/", "alice", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS

    def test_failures_from_other_addresses_never_lock_the_user_out_of_their_own(self, live_server, alice, settings):
        # Behind the trusted proxy (its right-most X-Forwarded-For entry is the address), as in production.
        settings.AXES_CLIENT_IP_CALLABLE = "gptactions.client_address.forwarded_client_address"

        def from_address(address: str, password: str) -> requests.Response:
            agent = UserAgent(live_server.url, headers={"X-Forwarded-For": address})
            form = agent.get("/oauth/login/")
            fields = {**forms_of(form.text)[-1]["fields"], "username": "alice", "password": password}
            return agent.post("/oauth/login/", fields)

        for n in range(LIMIT):  # a stranger's wrong passwords, one from each of ten addresses
            assert from_address(f"198.51.100.{n + 1}", "wrong").status_code == HTTPStatus.OK
        signed_in = from_address("203.0.113.9", PASSWORD)
        assert signed_in.status_code == HTTPStatus.FOUND, signed_in.text
        # One address that keeps failing with the username is still locked out, right password or not.
        for _ in range(LIMIT):
            from_address("198.51.100.200", "wrong")
        assert from_address("198.51.100.200", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert from_address("203.0.113.9", PASSWORD).status_code == HTTPStatus.FOUND

    def test_lockout_tells_nothing_about_the_account(self, live_server, alice, settings):
        settings.AXES_LOCKOUT_PARAMETERS = ["username"]  # lock two names from one address
        for username in ("alice", "nobody"):
            for _ in range(LIMIT):
                attempt(live_server.url, "/oauth/login/", username, "wrong")
        existing = attempt(live_server.url, "/oauth/login/", "alice", "wrong")
        unknown = attempt(live_server.url, "/oauth/login/", "nobody", "wrong")
        assert existing.status_code == unknown.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert existing.text == unknown.text
        assert "alice" not in existing.text

    def test_lockout_expires(self, live_server, alice):
        for _ in range(LIMIT):
            attempt(live_server.url, "/oauth/login/", "alice", "wrong")
        assert attempt(live_server.url, "/oauth/login/", "alice", PASSWORD).status_code == HTTPStatus.TOO_MANY_REQUESTS

        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

        assert attempt(live_server.url, "/oauth/login/", "alice", PASSWORD).status_code == HTTPStatus.FOUND

    def test_admin_lists_lockouts_and_deleting_one_lifts_it(self, live_server, alice, settings):
        settings.AXES_LOCKOUT_PARAMETERS = ["username"]  # the admin signs in from the same address
        for _ in range(LIMIT):
            attempt(live_server.url, "/oauth/login/", "alice", "wrong")
        make_user("root", is_staff=True, is_superuser=True)
        admin = UserAgent(live_server.url)
        admin.sign_in("root")

        listing = admin.get("/admin/axes/accessattempt/")

        assert listing.status_code == HTTPStatus.OK
        assert ">alice<" in listing.text
        AccessAttempt.objects.filter(username="alice").delete()  # what deleting it in the admin does
        assert attempt(live_server.url, "/oauth/login/", "alice", PASSWORD).status_code == HTTPStatus.FOUND
