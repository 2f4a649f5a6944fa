from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from tests.factories import ALL_SCOPES, make_gpt_client, make_user
from tests.helpers.oauth import GPT_CALLBACK, connect

pytestmark = pytest.mark.django_db


def register(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("register_gpt_client", *args, stdout=out)
    return out.getvalue().splitlines()


def value(lines: list[str], prefix: str) -> str:
    return next(line for line in lines if line.startswith(prefix)).removeprefix(prefix).strip()


class RegisterGptClientTests:
    def test_prints_id_secret_and_paste_values(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://gpt.example.com"}
        make_user("builder")
        lines = register(
            "--name", "Recipe GPT", "--callback", "https://chatgpt.com/aip/g-abc/oauth/callback", "--user", "builder"
        )
        application = Application.objects.get()
        assert value(lines, "client_id:") == application.client_id
        secret = value(lines, "client_secret:")
        assert check_password(secret, application.client_secret)
        assert application.user.username == "builder"
        assert application.name == "Recipe GPT"
        assert application.client_type == Application.CLIENT_CONFIDENTIAL
        assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
        assert value(lines, "  Client ID:") == application.client_id
        assert value(lines, "  Client Secret:") == secret
        assert value(lines, "  Authorization URL:") == "https://gpt.example.com/oauth/authorize/"
        assert value(lines, "  Token URL:") == "https://gpt.example.com/oauth/token/"
        assert value(lines, "  Scope:") == ALL_SCOPES
        assert value(lines, "  Token Exchange Method:") == "Default (POST request)"
        assert "  https://chat.openai.com/aip/g-abc/oauth/callback" in lines

    def test_without_public_base_url_the_urls_name_the_port_given(self, settings):
        # The local server may run elsewhere than 8000 (`make run PORT=8001`); issue 21, finding 13.
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        lines = register("--name", "Local GPT", "--port", "8123")
        assert value(lines, "  Authorization URL:") == "http://127.0.0.1:8123/oauth/authorize/"
        assert value(lines, "  Token URL:") == "http://127.0.0.1:8123/oauth/token/"
        assert "127.0.0.1:8000" not in "\n".join(lines)
        assert any("assume this server runs on http://127.0.0.1:8123" in line for line in lines)

    def test_without_public_base_url_or_port_it_says_which_address_it_assumes(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        lines = register("--name", "Local GPT")
        assert value(lines, "  Authorization URL:") == "http://127.0.0.1:8000/oauth/authorize/"
        note = next(line for line in lines if "assume" in line)
        assert "http://127.0.0.1:8000" in note and "--port" in note and "PUBLIC_BASE_URL" in note

    def test_public_base_url_beats_the_port(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://gpt.example.com"}
        lines = register("--name", "Public GPT", "--port", "8123")
        assert value(lines, "  Authorization URL:") == "https://gpt.example.com/oauth/authorize/"
        assert not any("assume" in line for line in lines)

    def test_without_callback_it_says_where_to_add_it(self):
        lines = register("--name", "New GPT", "--base-url", "https://gpt.example.com")
        application = Application.objects.get()
        assert application.redirect_uris == ""
        text = "\n".join(lines)
        assert "No callback URL yet" in text
        assert f"https://gpt.example.com/admin/oauth2_provider/application/{application.pk}/change/" in text

    def test_bad_callback_creates_nothing(self):
        with pytest.raises(CommandError, match="uses http"):
            register("--name", "X", "--callback", "http://example.com/cb")
        assert not Application.objects.exists()

    def test_unknown_user_is_refused(self):
        with pytest.raises(CommandError, match="No user named 'nobody'"):
            register("--name", "X", "--user", "nobody")


class CleartokensTests:
    """README: run `manage.py cleartokens` from cron; refresh tokens have an idle expiry, so nothing piles up."""

    def test_removes_what_expired_and_keeps_live_connections(self, client, settings):
        idle = timedelta(seconds=settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"])
        application, secret = make_gpt_client()
        client.force_login(make_user("old"))
        connect(client, application, secret)
        # A returning user gets a code straight away; the GPT never redeems it.
        params = {"response_type": "code", "client_id": application.client_id, "redirect_uri": GPT_CALLBACK}
        assert "code=" in client.get("/oauth/authorize/", params)["Location"]
        assert Grant.objects.count() == 1
        client.force_login(make_user("recent"))
        connect(client, application, secret)
        long_ago = timezone.now() - idle - timedelta(hours=2)
        AccessToken.objects.filter(user__username="old").update(expires=long_ago)
        Grant.objects.update(expires=long_ago)

        call_command("cleartokens")

        assert set(RefreshToken.objects.values_list("user__username", flat=True)) == {"recent"}
        assert set(AccessToken.objects.values_list("user__username", flat=True)) == {"recent"}
        assert not Grant.objects.exists()
