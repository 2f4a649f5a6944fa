"""The OpenAPI schema the GPT editor imports from /api/schema/."""

from __future__ import annotations

import io
import json
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.urls import resolve
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from tests.factories import OPERATION_IDS

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def fetch_schema(client: APIClient, query: str = "", **headers: str) -> dict[str, Any]:
    response = client.get(f"/api/schema/{query}", **headers)
    assert response.status_code == HTTPStatus.OK, response.content
    return yaml.safe_load(response.content)


def operations(schema: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (method, path, operation)
        for path, path_item in schema["paths"].items()
        for method, operation in path_item.items()
        if method in METHODS
    }


@pytest.fixture
def schema(api) -> dict[str, Any]:
    return fetch_schema(api)


class SchemaEndpointTests:
    def test_served_as_yaml_without_credentials(self, api):
        response = api.get("/api/schema/")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"].startswith("application/vnd.oai.openapi")
        assert yaml.safe_load(response.content)["openapi"] == "3.1.0"

    def test_format_json_gives_json(self, api):
        response = api.get("/api/schema/?format=json")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
        assert json.loads(response.content)["openapi"] == "3.1.0"

    @pytest.mark.parametrize("query", ["", "?auth=bearer", "?auth=basic", "?auth=custom", "?auth=oauth"])
    def test_every_variant_is_valid_openapi_3_1(self, api, query):
        validate(fetch_schema(api, query))

    def test_management_command_validates_without_warnings(self):
        out = io.StringIO()
        call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
        assert json.loads(out.getvalue())["openapi"] == "3.1.0"

    def test_unknown_auth_is_400(self, api):
        response = api.get("/api/schema/?auth=session&format=json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "bearer, basic, custom, oauth" in response.json()["auth"][0]

    def test_disabled_auth_is_400(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["custom"]}
        response = api.get("/api/schema/?auth=oauth&format=json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"auth": ["Use one of the enabled auth styles: custom."]}

    def test_fits_the_gpt_editor_limit(self, api):
        response = api.get("/api/schema/?format=json")
        assert response.status_code == HTTPStatus.OK  # an error page is short too
        assert len(response.content.decode()) < 100_000


class ServersTests:
    def test_public_base_url_setting(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        assert fetch_schema(api)["servers"] == [{"url": "https://demo.ngrok-free.app"}]

    def test_without_setting_the_requests_host_as_https(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        settings.ALLOWED_HOSTS = ["api.example.com"]
        schema = fetch_schema(api, HTTP_HOST="api.example.com")
        assert schema["servers"] == [{"url": "https://api.example.com"}]

    @pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"])
    def test_loopback_keeps_http_for_local_docs(self, api, settings, host):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        schema = fetch_schema(api, HTTP_HOST=host)
        assert schema["servers"] == [{"url": f"http://{host}"}]


class SecuritySchemesTests:
    def test_all_enabled_styles_without_auth(self, schema):
        assert schema["components"]["securitySchemes"] == {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key (gpta_…) as a Bearer token."},
            "basicAuth": {
                "type": "http",
                "scheme": "basic",
                "description": "base64 of the API key, or of user:API key.",
            },
            "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "api-key", "description": "An API key (gpta_…)."},
            "oauth2": schema["components"]["securitySchemes"]["oauth2"],
        }
        assert set(operations(schema)) == OPERATION_IDS
        for _, _, operation in operations(schema).values():
            assert {name for requirement in operation["security"] for name in requirement} == {
                "bearerAuth",
                "basicAuth",
                "apiKeyAuth",
                "oauth2",
            }

    def test_only_enabled_styles(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_AUTH_STYLES": ["basic", "custom"]}
        assert set(fetch_schema(api)["components"]["securitySchemes"]) == {"basicAuth", "apiKeyAuth"}

    def test_custom_header_name_follows_setting(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "API_KEY_HEADER": "X-Items-Key"}
        scheme = fetch_schema(api, "?auth=custom")["components"]["securitySchemes"]["apiKeyAuth"]
        assert scheme["name"] == "X-Items-Key"

    @pytest.mark.parametrize(
        ("auth", "name"),
        [("bearer", "bearerAuth"), ("basic", "basicAuth"), ("custom", "apiKeyAuth"), ("oauth", "oauth2")],
    )
    def test_auth_parameter_keeps_one_scheme(self, api, auth, name):
        schema = fetch_schema(api, f"?auth={auth}")
        assert list(schema["components"]["securitySchemes"]) == [name]
        assert set(operations(schema)) == OPERATION_IDS
        for _, _, operation in operations(schema).values():
            assert len(operation["security"]) == 1
            assert list(operation["security"][0]) == [name]

    def test_oauth_flow_is_absolute_on_the_public_url(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": "https://demo.ngrok-free.app"}
        schema = fetch_schema(api, "?auth=oauth")
        assert schema["components"]["securitySchemes"]["oauth2"] == {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://demo.ngrok-free.app/oauth/authorize/",
                    "tokenUrl": "https://demo.ngrok-free.app/oauth/token/",
                    "scopes": {
                        "items:read": "Read your items",
                        "items:write": "Create, change and delete your items",
                        # The suite's second resource (tests/notes) registers without words: the defaults.
                        "notes:read": "Read your notes",
                        "notes:write": "Create, change and delete your notes",
                    },
                }
            },
        }

    def test_oauth_urls_follow_the_request_host_when_setting_is_empty(self, api, settings):
        settings.GPT_ACTIONS = {**settings.GPT_ACTIONS, "PUBLIC_BASE_URL": ""}
        settings.ALLOWED_HOSTS = ["api.example.com"]
        schema = fetch_schema(api, "?auth=oauth", HTTP_HOST="api.example.com")
        flow = schema["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
        assert flow["authorizationUrl"] == "https://api.example.com/oauth/authorize/"
        assert flow["tokenUrl"] == "https://api.example.com/oauth/token/"

    def test_oauth_urls_are_this_servers_dot_endpoints(self, schema):
        flow = schema["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"]
        assert resolve(urlsplit(flow["authorizationUrl"]).path).url_name == "authorize"
        assert resolve(urlsplit(flow["tokenUrl"]).path).url_name == "token"

    def test_oauth_scopes_per_operation_match_the_permission(self, schema):
        scopes = {
            operation_id: operation["security"][-1]["oauth2"]
            for operation_id, (_, _, operation) in operations(schema).items()
        }
        assert scopes == {
            "listItems": ["items:read"],
            "getItem": ["items:read"],
            "createItem": ["items:write"],
            "updateItem": ["items:write"],
            "deleteItem": ["items:write"],
            "listNotes": ["notes:read"],
            "getNote": ["notes:read"],
            "createNote": ["notes:write"],
            "deleteNote": ["notes:write"],
        }


class OperationsTests:
    def test_operation_ids(self, schema):
        assert {(op_id, method, path) for op_id, (method, path, _) in operations(schema).items()} == {
            ("listItems", "get", "/items/"),
            ("createItem", "post", "/items/"),
            ("getItem", "get", "/items/{id}/"),
            ("updateItem", "patch", "/items/{id}/"),
            ("deleteItem", "delete", "/items/{id}/"),
            ("listNotes", "get", "/notes/"),
            ("createNote", "post", "/notes/"),
            ("getNote", "get", "/notes/{id}/"),
            ("deleteNote", "delete", "/notes/{id}/"),
        }

    @pytest.mark.django_db
    def test_put_is_left_out_and_refused(self, schema, keyed_api, user):
        assert "put" not in schema["paths"]["/items/{id}/"]
        created = keyed_api.post("/items/", {"name": "a", "price": 1}, format="json").json()
        response = keyed_api.put(f"/items/{created['id']}", {"name": "b", "price": 2}, format="json")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED

    def test_amounts_and_page_size_state_the_limits_the_api_applies(self, schema):
        request = schema["components"]["schemas"]["ItemRequest"]["properties"]
        assert {key: request["price"][key] for key in ("type", "minimum", "maximum")} == {
            "type": "number",
            "minimum": 0,
            "maximum": 9999999999.99,
        }
        assert "rounded to cents" in request["price"]["description"]
        assert request["description"]["oneOf"][0]["type"] == "string"
        parameters = {p["name"]: p["schema"] for p in schema["paths"]["/items/"]["get"]["parameters"]}
        assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 50}
        assert "400" in schema["paths"]["/items/"]["get"]["responses"]

    def test_texts_for_the_model_within_limits(self, schema):
        assert 0 < len(schema["info"]["description"]) <= 300
        assert set(operations(schema)) == OPERATION_IDS
        parameters = 0
        for _, _, operation in operations(schema).values():
            assert 0 < len(operation["summary"]) <= 300
            assert 0 < len(operation["description"]) <= 300
            for parameter in operation.get("parameters", []):
                assert 0 < len(parameter["description"]) <= 700
                parameters += 1
        assert parameters > 0

    def test_is_consequential_defaults(self, schema):
        flags = {op_id: op["x-openai-isConsequential"] for op_id, (_, _, op) in operations(schema).items()}
        assert flags == {
            "listItems": False,
            "getItem": False,
            "createItem": False,
            "updateItem": True,
            "deleteItem": True,
            "listNotes": False,
            "getNote": False,
            "createNote": False,
            "deleteNote": True,
        }

    def test_is_consequential_settings_for_create_and_update(self, api, settings):
        settings.GPT_ACTIONS = {
            **settings.GPT_ACTIONS,
            "GPT_CREATE_IS_CONSEQUENTIAL": True,
            "GPT_UPDATE_IS_CONSEQUENTIAL": False,
        }
        ops = operations(fetch_schema(api))
        assert ops["createItem"][2]["x-openai-isConsequential"] is True
        assert ops["updateItem"][2]["x-openai-isConsequential"] is False
        assert ops["deleteItem"][2]["x-openai-isConsequential"] is True

    def test_error_responses_documented(self, schema):
        codes = {op_id: set(op["responses"]) for op_id, (_, _, op) in operations(schema).items()}
        assert codes == {
            "listItems": {"200", "400", "401", "403", "404", "429"},
            "getItem": {"200", "401", "403", "404", "429"},
            "createItem": {"201", "400", "401", "403", "429"},
            "updateItem": {"200", "400", "401", "403", "404", "429"},
            "deleteItem": {"204", "401", "403", "404", "429"},
            # A registration documents the same errors for a shop's view that names none.
            "listNotes": {"200", "400", "401", "403", "404", "429"},
            "getNote": {"200", "401", "403", "404", "429"},
            "createNote": {"201", "400", "401", "403", "429"},
            "deleteNote": {"204", "401", "403", "404", "429"},
        }
        for _, _, operation in operations(schema).values():
            assert operation["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
            assert all(response["description"] for response in operation["responses"].values())

    def test_request_bodies_leave_out_read_only_fields(self, schema):
        item_request = schema["components"]["schemas"]["ItemRequest"]
        assert set(item_request["properties"]) == {"name", "description", "price", "tax"}
        assert item_request["required"] == ["name", "price"]
        assert "required" not in schema["components"]["schemas"]["PatchedItemRequest"]

    def test_examples_are_valid_against_their_schemas(self, schema):
        checked = 0
        for _, _, operation in operations(schema).values():
            bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    validator = OAS31Validator({**media["schema"], "components": schema["components"]})
                    for example in media.get("examples", {}).values():
                        validator.validate(example["value"])
                        checked += 1
        assert checked == 6
