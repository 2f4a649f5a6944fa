"""One client-address rule for every limit (issue 21, finding 1): django-axes' address.

Without DJANGO_TRUST_PROXY the address is REMOTE_ADDR, whatever X-Forwarded-For says; behind the trusted
proxy it is the right-most X-Forwarded-For entry (the one the proxy appended), so entries a client puts
before it change nothing. (Behind the proxy a header of one rotating entry is a new client each time, as
the proxy would have appended the real one: that case is the proxy's, not a way round the limit.)
"""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from axes.helpers import get_client_ip_address

from gptactions.keys import new_raw_key
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db

ROTATING = "1.2.3.{n}"
APPENDED = "1.2.3.{n}, 198.51.100.7"
CASES = [(False, ROTATING), (False, APPENDED), (True, APPENDED)]


@pytest.fixture(params=CASES, ids=["rotating", "appended", "appended-behind-proxy"])
def forwarded_for(request, settings) -> str:
    trust_proxy, header = request.param
    if trust_proxy:  # what DJANGO_TRUST_PROXY=1 sets (config/settings.py)
        settings.AXES_CLIENT_IP_CALLABLE = "gptactions.client_address.forwarded_client_address"
    return header


def test_the_failed_api_key_limit_holds_whatever_x_forwarded_for_says(api, settings, forwarded_for):
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_FAILED_AUTH_RATE": "5/min"}
    statuses = [
        api.get(
            "/items/", HTTP_X_FORWARDED_FOR=forwarded_for.format(n=n), **auth_headers("custom", new_raw_key())
        ).status_code
        for n in range(6)
    ]
    assert statuses == [HTTPStatus.UNAUTHORIZED] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_the_registration_limit_holds_whatever_x_forwarded_for_says(client, settings, forwarded_for):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": True}
    body = json.dumps(
        {
            "client_name": "Claude",
            "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
            "token_endpoint_auth_method": "none",
        }
    )
    statuses = [
        client.post(
            "/oauth/register/", body, content_type="application/json", HTTP_X_FORWARDED_FOR=forwarded_for.format(n=n)
        ).status_code
        for n in range(21)
    ]
    assert statuses == [HTTPStatus.CREATED] * 20 + [HTTPStatus.TOO_MANY_REQUESTS]


@pytest.mark.parametrize(
    ("forwarded_for", "address"),
    [
        ("1.2.3.4, 198.51.100.7", "198.51.100.7"),  # ipware's right-most took 1.2.3.4: it skips reserved ranges
        ("198.51.100.7", "198.51.100.7"),
        ("10.0.0.3,2001:db8::1", "2001:db8::1"),
        ("1.2.3.4, not-an-address", "127.0.0.1"),  # no address where the proxy writes one: the proxy's own
        ("", "127.0.0.1"),
    ],
)
def test_behind_the_proxy_the_address_is_the_right_most_entry(rf, settings, forwarded_for, address):
    settings.AXES_CLIENT_IP_CALLABLE = "gptactions.client_address.forwarded_client_address"
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="127.0.0.1")
    assert get_client_ip_address(request) == address
