"""The GPT Action lint, as `manage.py check` runs it, against deliberately wrong settings and schemas."""

from __future__ import annotations

import copy
import io
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from gptsetup.checks import lint_action, lint_schema
from gptsetup.selectors import action_schema


def lint_ids(**kwargs: Any) -> list[str]:
    return [message.id for message in run_checks(tags=["gpt_action"], **kwargs)]


@pytest.fixture
def good_schema(settings) -> dict[str, Any]:
    settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
    return action_schema(None)


def operation(schema: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return next(
        op for path_item in schema["paths"].values() for op in path_item.values() if op["operationId"] == operation_id
    )


class PublicUrlLintTests:
    def test_public_https_domain_passes(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        assert lint_ids() == []

    def test_unset_is_fine_for_manage_py_check(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        assert lint_ids() == []

    def test_unset_is_a_warning_where_urls_are_printed(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        assert [message.id for message in lint_action(action_schema(None), public_url="")] == ["gptsetup.W001"]

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("http://demo.ngrok-free.app", ["gptsetup.W002"]),
            ("https://localhost", ["gptsetup.W005"]),
            ("http://localhost:8000", ["gptsetup.W002", "gptsetup.W005", "gptsetup.W004"]),
            ("https://app.localhost", ["gptsetup.W005"]),
            ("https://printer.local", ["gptsetup.W005"]),
            ("https://intranet", ["gptsetup.W005"]),
            ("https://192.168.1.20", ["gptsetup.W003"]),
            ("https://10.0.0.5", ["gptsetup.W003"]),
            ("https://127.0.0.1", ["gptsetup.W003"]),
            ("https://[::1]", ["gptsetup.W003"]),
            ("https://8.8.8.8", ["gptsetup.W003"]),
            ("https://demo.ngrok-free.app:8443", ["gptsetup.W004"]),
            ("https://demo.ngrok-free.app:443", []),
        ],
    )
    def test_wrong_public_base_url(self, settings, url, expected):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": url}
        assert lint_ids() == expected

    def test_private_address_message_says_so(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://192.168.1.20"}
        (message,) = run_checks(tags=["gpt_action"])
        assert "private IP address" in message.msg
        assert "manage.py tunnel" in message.hint

    def test_manage_py_check_shows_warning_with_its_fix(self, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "http://demo.ngrok-free.app"}
        err = io.StringIO()
        call_command("check", stderr=err, stdout=io.StringIO())
        assert "(gptsetup.W002) PUBLIC_BASE_URL 'http://demo.ngrok-free.app' is not https" in err.getvalue()
        assert "HINT: Use the https:// address" in err.getvalue()


class SchemaLintTests:
    def test_generated_schema_passes(self, good_schema):
        assert lint_schema(good_schema) == []

    def test_over_long_operation_texts(self, good_schema):
        operation(good_schema, "getItem")["description"] = "x" * 301
        operation(good_schema, "listItems")["summary"] = "x" * 301
        operation(good_schema, "deleteItem")["description"] = "x" * 300
        messages = lint_schema(good_schema)
        assert [message.id for message in messages] == ["gptsetup.W012", "gptsetup.W012"]
        assert "The summary of GET /items/ has 301 characters" in messages[0].msg
        assert "The description of GET /items/{id}/ has 301 characters" in messages[1].msg

    def test_over_long_parameter_description(self, good_schema):
        operation(good_schema, "listItems")["parameters"][0]["description"] = "x" * 701
        (message,) = lint_schema(good_schema)
        assert message.id == "gptsetup.W013"
        assert "'page'" in message.msg

    def test_missing_and_duplicate_operation_ids(self, good_schema):
        del operation(good_schema, "deleteItem")["operationId"]
        operation(good_schema, "updateItem")["operationId"] = "getItem"
        assert [message.id for message in lint_schema(good_schema)] == ["gptsetup.W010", "gptsetup.W011"]

    def test_more_than_30_operations(self, good_schema):
        item = good_schema["paths"]["/items/{id}/"]
        for n in range(27):
            good_schema["paths"][f"/copy{n}/"] = {"get": {**item["get"], "operationId": f"copy{n}"}}
        assert [message.id for message in lint_schema(good_schema)] == ["gptsetup.W014"]

    def test_schema_of_100000_characters(self, good_schema):
        operation(good_schema, "getItem")["responses"]["200"]["content"]["application/json"]["examples"]["AnItem"][
            "value"
        ]["description"] = "x" * 100_000
        assert [message.id for message in lint_schema(good_schema)] == ["gptsetup.W015"]

    def test_oauth_urls_on_another_host(self, good_schema):
        flow = good_schema["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
        flow["tokenUrl"] = "https://auth.example.com/oauth/token/"
        (message,) = lint_schema(good_schema)
        assert message.id == "gptsetup.W016"
        assert "auth.example.com" in message.msg and "demo.ngrok-free.app" in message.msg

    def test_every_warning_names_its_fix(self, good_schema, settings):
        broken = copy.deepcopy(good_schema)
        operation(broken, "getItem")["description"] = "x" * 301
        del operation(broken, "deleteItem")["operationId"]
        messages = lint_action(broken, public_url="http://10.0.0.1:8000")
        assert len(messages) == 5
        assert all(message.hint for message in messages)
