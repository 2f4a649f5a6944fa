"""Cookies, HSTS and `check --deploy` behind https (issue 10, finding 7), over real HTTP against live_server."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from tests.factories import PASSWORD, make_user
from tests.helpers.oauth import forms_of

ROOT = Path(__file__).resolve().parent.parent
VIA_TLS_PROXY = {"X-Forwarded-Proto": "https"}


def via_tls_proxy(base_url: str) -> dict[str, str]:
    # Over https Django's CSRF check also wants a same-origin Referer, as a browser sends.
    return {**VIA_TLS_PROXY, "Referer": base_url.replace("http://", "https://") + "/oauth/login/"}


@pytest.fixture
def trusted_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # DJANGO_TRUST_PROXY=1


def sign_in(base_url: str, headers: dict[str, str]) -> tuple[requests.Response, requests.Response]:
    """The login page, then signing in as alice; returns (sign-in answer, login page)."""
    page = requests.get(f"{base_url}/oauth/login/", headers=headers, timeout=10)
    data = {**forms_of(page.text)[-1]["fields"], "username": "alice", "password": PASSWORD}
    # The connection is plain http (the proxy's TLS is pretended), so requests would hold back a Secure
    # cookie; the browser on the https side sends it.
    cookies = {name: value for name, value in page.cookies.items()}
    answer = requests.post(
        f"{base_url}/oauth/login/", data=data, headers=headers, cookies=cookies, allow_redirects=False, timeout=10
    )
    return answer, page


def set_cookies(response: requests.Response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name (requests folds them into one header)."""
    raw = response.raw.headers.getlist("Set-Cookie")
    return {line.split("=", 1)[0]: line for line in raw}


class SecureCookieTests:
    def test_cookies_are_secure_over_https_through_a_trusted_proxy(self, live_server, transactional_db, trusted_proxy):
        make_user("alice")
        signed_in, login_page = sign_in(live_server.url, via_tls_proxy(live_server.url))
        assert signed_in.status_code == HTTPStatus.FOUND
        assert "; secure" in set_cookies(login_page)["csrftoken"].lower()
        assert "; secure" in set_cookies(signed_in)["sessionid"].lower()

    def test_plain_http_on_loopback_keeps_working(self, live_server, transactional_db, trusted_proxy):
        make_user("alice")
        signed_in, _ = sign_in(live_server.url, {})
        assert signed_in.status_code == HTTPStatus.FOUND  # a Secure cookie would not come back over http
        assert "secure" not in set_cookies(signed_in)["sessionid"].lower()

    def test_an_untrusted_forwarded_proto_changes_nothing(self, live_server, transactional_db):
        make_user("alice")
        signed_in, _ = sign_in(live_server.url, VIA_TLS_PROXY)
        assert "secure" not in set_cookies(signed_in)["sessionid"].lower()


class HstsTests:
    # Django's test client, not live_server: SecurityMiddleware reads the setting when the handler loads.
    def test_hsts_on_https_responses_when_set(self, client, trusted_proxy, settings):
        settings.SECURE_HSTS_SECONDS = 3600
        over_https = client.get("/oauth/login/", HTTP_X_FORWARDED_PROTO="https")
        over_http = client.get("/oauth/login/")
        assert over_https["Strict-Transport-Security"] == "max-age=3600"
        assert "Strict-Transport-Security" not in over_http

    def test_no_hsts_by_default(self, client, trusted_proxy):
        response = client.get("/oauth/login/", HTTP_X_FORWARDED_PROTO="https")
        assert "Strict-Transport-Security" not in response


def readme_production_environment() -> dict[str, str]:
    """The variables the README's Production section exports, with real values for the `...` ones."""
    section = (ROOT / "README.md").read_text().split("## Production", 1)[1]
    exported = dict(
        word.split("=", 1)
        for line in section.splitlines()
        if line.startswith("export ")
        for word in shlex.split(line)[1:]
    )
    exported["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    exported["DATABASE_URL"] = "sqlite:///:memory:"  # the checks need no database
    return exported


def readme_kept_warnings() -> set[str]:
    section = (ROOT / "README.md").read_text().split("check --deploy` with the settings above", 1)[1]
    return set(re.findall(r"^- `([\w.]+\.W\d+)`", section.split("| Variable", 1)[0], flags=re.MULTILINE))


def test_check_deploy_under_the_readme_production_settings_reports_only_the_listed_warnings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    # DEBUG on as a checkout's .env has it after `make run` (settings read .env only for what the environment
    # lacks): the README's exports must turn it off (issue 21, finding 11: security.W018).
    env["DJANGO_DEBUG"] = "1"
    env.update(readme_production_environment())
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    reported = set(re.findall(r"^\?: \(([\w.]+\.[WE]\d+)\)", result.stderr + result.stdout, flags=re.MULTILINE))
    assert (
        reported
        == readme_kept_warnings()
        == {"security.W005", "security.W021", "security.W008", "oauth2_provider.W008"}
    )
