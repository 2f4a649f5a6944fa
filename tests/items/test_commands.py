from __future__ import annotations

import base64
import io
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from gptactions.models import ApiKey
from gptactions.selectors import api_key_find
from items.models import Item
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db


def run(*args: str, **env: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


class CreateApiKeyTests:
    def test_prints_paste_values_and_raw_key_last(self, api, user):
        lines = run("create_api_key", "alice", "--name", "My GPT")
        raw_key = lines[-1]
        assert raw_key.startswith("gpta_")
        text = "\n".join(lines)
        assert base64.b64encode(raw_key.encode()).decode() in text
        assert "Custom Header Name: api-key" in text
        assert ApiKey.objects.get().name == "My GPT"
        assert api.get("/items/", **auth_headers("basic", raw_key)).status_code == HTTPStatus.OK

    def test_scopes_and_expiry(self, user):
        run("create_api_key", "alice", "--scope", "items:read", "--expires-days", "7")
        api_key = ApiKey.objects.get()
        assert api_key.scopes == {"items:read"}
        assert timedelta(days=7) - timedelta(minutes=1) < api_key.expires_at - timezone.now() <= timedelta(days=7)

    def test_unknown_user_is_a_clear_error(self):
        with pytest.raises(CommandError, match="No user named 'nobody'"):
            run("create_api_key", "nobody")

    def test_non_positive_expiry_is_refused(self, user):
        with pytest.raises(CommandError, match="positive"):
            run("create_api_key", "alice", "--expires-days", "0")
        assert not ApiKey.objects.exists()


class SeedDemoTests:
    def test_creates_demo_user_items_and_working_key(self, api, monkeypatch):
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        lines = run("seed_demo")
        assert any(line.startswith("Demo user: demo / ") for line in lines)
        raw_key = lines[-1]
        response = api.get("/items/", **auth_headers("custom", raw_key))
        assert [(i["name"], i["description"], i["price"]) for i in response.json()["results"]] == [
            ("LLAMA", "Opensource LLM", 0.1),
            ("ChatGPT", "OpenAI LLM", 20.0),
        ]

    def test_a_second_run_says_how_to_get_a_password_and_what_to_copy(self, monkeypatch):
        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        first = run("seed_demo")
        second = run("seed_demo", "--port", "8001")
        assert any(line.startswith("Demo user: demo / ") for line in first)
        assert not any(line.startswith("Demo user: demo / ") for line in second)
        assert 'make manage ARGS="changepassword demo"' in "\n".join(second)
        assert second[0] == "Demo server: http://127.0.0.1:8001/ (admin: http://127.0.0.1:8001/admin/)"
        assert second[-2].startswith("Copy the API key on the next line")
        assert api_key_find(raw_key=second[-1]).name == "demo key"
        assert api_key_find(raw_key=first[-1]) is None  # replaced

    def test_is_idempotent_and_prints_a_fresh_key(self, monkeypatch):
        monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
        first = run("seed_demo")[-1]
        second = run("seed_demo")[-1]
        assert first != second
        assert [key.name for key in ApiKey.objects.all()] == ["demo key"]  # rotated, not added
        assert Item.objects.count() == 2
        assert get_user_model().objects.get(username="demo").check_password("demo-pass-123")
