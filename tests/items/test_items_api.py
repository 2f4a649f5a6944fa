from __future__ import annotations

from http import HTTPStatus

import pytest

from items.models import Item
from tests.factories import SCOPE_READ, SCOPE_WRITE, make_api_key, make_item, make_user
from tests.helpers.api import auth_headers

pytestmark = pytest.mark.django_db


class ItemCrudTests:
    def test_create_returns_201_with_numbers(self, keyed_api, user):
        response = keyed_api.post(
            "/items/", {"name": "ChatGPT", "description": "OpenAI LLM", "price": 20.0, "tax": 1.5}, format="json"
        )
        assert response.status_code == HTTPStatus.CREATED
        body = response.json()
        assert body["price"] == 20.0 and isinstance(body["price"], float)
        assert body["tax"] == 1.5
        assert Item.objects.get(pk=body["id"]).owner == user

    def test_retrieve_returns_item(self, keyed_api, user):
        item = make_item(user, name="LLAMA", description="Opensource LLM", price="0.1")
        response = keyed_api.get(f"/items/{item.pk}")
        assert response.status_code == HTTPStatus.OK
        assert response.json() | {"created_at": None, "updated_at": None} == {
            "id": item.pk,
            "name": "LLAMA",
            "description": "Opensource LLM",
            "price": 0.1,
            "tax": None,
            "created_at": None,
            "updated_at": None,
        }

    def test_patch_changes_only_the_fields_sent(self, keyed_api, user):
        item = make_item(user, name="Old", description="keep", tax="2")
        response = keyed_api.patch(f"/items/{item.pk}", {"name": "New", "tax": 0.5}, format="json")
        assert response.status_code == HTTPStatus.OK
        item.refresh_from_db()
        assert (item.name, item.description, str(item.price), str(item.tax)) == ("New", "keep", "9.99", "0.50")

    def test_put_is_refused_as_in_the_schema_and_allow_never_lists_it(self, keyed_api, api, user):
        item = make_item(user)
        response = keyed_api.put(f"/items/{item.pk}", {"name": "New", "price": 3}, format="json")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert "PUT" not in response["Allow"] and "PATCH" in response["Allow"]
        unauthenticated = api.get(f"/items/{item.pk}")
        assert unauthenticated.status_code == HTTPStatus.UNAUTHORIZED
        assert unauthenticated["Allow"] == "GET, PATCH, DELETE, HEAD, OPTIONS"
        assert api.get("/items/")["Allow"] == "GET, POST, HEAD, OPTIONS"

    def test_delete_returns_204(self, keyed_api, user):
        item = make_item(user)
        assert keyed_api.delete(f"/items/{item.pk}").status_code == HTTPStatus.NO_CONTENT
        assert not Item.objects.filter(pk=item.pk).exists()

    def test_list_is_newest_first_and_paginated(self, keyed_api, user):
        for n in range(25):
            make_item(user, name=f"n{n}")
        body = keyed_api.get("/items/").json()
        assert body["count"] == 25
        assert [i["name"] for i in body["results"][:3]] == ["n24", "n23", "n22"]
        assert len(body["results"]) == 20 and body["next"]
        assert len(keyed_api.get("/items/?page_size=50").json()["results"]) == 25
        assert len(keyed_api.get("/items/?page_size=1").json()["results"]) == 1

    @pytest.mark.parametrize(
        ("query", "detail"),
        [
            ("page_size=0", "page_size must be a whole number from 1 to 50; or leave it out."),
            ("page_size=51", "page_size must be a whole number from 1 to 50; or leave it out."),
            ("page_size=abc", "page_size must be a whole number from 1 to 50; or leave it out."),
            ("page_size=", "page_size must be a whole number from 1 to 50; or leave it out."),
            ("page=0", "page must be a whole number from 1; or leave it out."),
            ("page=last", "page must be a whole number from 1; or leave it out."),
        ],
    )
    def test_page_and_page_size_outside_the_schema_return_400(self, keyed_api, query, detail):
        response = keyed_api.get(f"/items/?{query}")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"detail": detail}

    def test_full_page_stays_far_under_chatgpt_response_limit(self, keyed_api, user):
        for _ in range(60):
            make_item(user, name="n" * 200, description="d" * 1000, price="9999999999.99", tax="9999999999.99")
        response = keyed_api.get("/items/?page_size=50")
        assert len(response.json()["results"]) == 50
        assert len(response.content) < 80_000


class OwnershipTests:
    @pytest.mark.parametrize("method", ["get", "patch", "delete"])
    def test_other_users_item_is_404(self, keyed_api, method):
        theirs = make_item(make_user())
        response = getattr(keyed_api, method)(f"/items/{theirs.pk}", {"name": "x", "price": 1}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
        # Said so that a model can act on it, as the MCP tools say it.
        assert response.json()["detail"].startswith(f"No item {theirs.pk} among yours. Call listItems")
        assert Item.objects.get(pk=theirs.pk).name == theirs.name

    def test_list_shows_only_own_items(self, keyed_api, user):
        make_item(make_user(), name="theirs")
        make_item(user, name="mine")
        assert [i["name"] for i in keyed_api.get("/items/").json()["results"]] == ["mine"]


class ScopeTests:
    @pytest.mark.parametrize("style", ["basic", "bearer", "custom"])
    def test_read_only_key_can_read_but_not_write(self, api, user, style):
        _, raw_key = make_api_key(user, scopes=(SCOPE_READ,))
        item = make_item(user)
        headers = auth_headers(style, raw_key)
        assert api.get(f"/items/{item.pk}", **headers).status_code == HTTPStatus.OK
        response = api.post("/items/", {"name": "x", "price": 1}, format="json", **headers)
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == {"detail": "This credential lacks the items:write scope."}
        assert api.delete(f"/items/{item.pk}", **headers).status_code == HTTPStatus.FORBIDDEN

    def test_write_only_key_cannot_read(self, api, user):
        _, raw_key = make_api_key(user, scopes=(SCOPE_WRITE,))
        response = api.get("/items/", **auth_headers("custom", raw_key))
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json() == {"detail": "This credential lacks the items:read scope."}


class TrailingSlashTests:
    @pytest.mark.parametrize("slash", ["", "/"])
    @pytest.mark.parametrize(
        ("method", "on_item", "expected"),
        [
            ("get", False, HTTPStatus.OK),
            ("post", False, HTTPStatus.CREATED),
            ("get", True, HTTPStatus.OK),
            ("patch", True, HTTPStatus.OK),
            ("delete", True, HTTPStatus.NO_CONTENT),
        ],
    )
    def test_every_route_answers_with_and_without_slash(self, keyed_api, user, slash, method, on_item, expected):
        url = f"/items/{make_item(user).pk}" if on_item else "/items"
        response = getattr(keyed_api, method)(url + slash, {"name": "x", "price": 1}, format="json")
        assert response.status_code == expected


class BadInputTests:
    def test_malformed_json_returns_400(self, keyed_api):
        response = keyed_api.generic("POST", "/items/", '{"name": "x", "price": ', content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "JSON parse error" in response.json()["detail"]

    def test_non_utf8_body_returns_400(self, keyed_api):
        response = keyed_api.generic("POST", "/items/", b'{"name": "\xff"}', content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        # Refused as undecodable, not for the missing price a decoded body would also get 400 for.
        assert response.json()["detail"].startswith("JSON parse error - 'utf-8' codec can't decode byte 0xff")
        assert not Item.objects.exists()

    def test_form_body_returns_415(self, keyed_api):
        response = keyed_api.post("/items/", {"name": "x", "price": "1"})
        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"price": 1}, "name"),
            ({"name": "x"}, "price"),
            ({"name": "x" * 201, "price": 1}, "name"),
            ({"name": "x", "price": -1}, "price"),
            ({"name": "x", "price": 1, "tax": -0.01}, "tax"),
            ({"name": "x", "price": "abc"}, "price"),
            ({"name": "x", "price": 1e30}, "price"),
            ({"name": "x", "price": 10_000_000_000}, "price"),
            ({"name": "x", "price": 9999999999.991}, "price"),
            ({"name": "x", "price": "18.5"}, "price"),
            ({"name": "x", "price": True}, "price"),
            ({"name": "x", "price": 1, "description": 0}, "description"),
            ({"name": 7, "price": 1}, "name"),
            ({"name": "x\u0000", "price": 1}, "name"),
            ({"name": "x", "price": 1, "description": "d" * 1001}, "description"),
            ({"name": None, "price": 1}, "name"),
        ],
    )
    def test_invalid_fields_return_400_naming_the_field(self, keyed_api, payload, field):
        response = keyed_api.post("/items/", payload, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert field in response.json()
        assert not Item.objects.exists()

    @pytest.mark.parametrize(
        ("body", "error"),
        [
            (
                '{"name": "x", "price": NaN}',
                {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'"},
            ),
            ("[1, 2]", {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
            ('"text"', {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
            ("null", {"non_field_errors": ["No data provided"]}),
        ],
        ids=["NaN", "list", "string", "null"],
    )
    def test_non_object_json_returns_400(self, keyed_api, body, error):
        response = keyed_api.generic("POST", "/items/", body, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == error
        assert not Item.objects.exists()

    @pytest.mark.parametrize("pk", ["99999999999999999999999", "0", "abc"])
    def test_unknown_or_out_of_range_id_returns_json_404(self, keyed_api, pk):
        response = keyed_api.get(f"/items/{pk}")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert "detail" in response.json()

    def test_unknown_page_returns_404(self, keyed_api):
        response = keyed_api.get("/items/?page=9")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {
            "detail": "There is no such page: call again with a smaller page, or without page.",
        }

    @pytest.mark.parametrize(
        ("sent", "stored"),
        [(18.499, "18.50"), (1.005, "1.01"), (0.001, "0.00"), (9999999999.99, "9999999999.99"), (7, "7.00")],
    )
    def test_amounts_are_rounded_to_cents_as_the_schema_says(self, keyed_api, sent, stored):
        response = keyed_api.post("/items/", {"name": "x", "price": sent, "tax": sent}, format="json")
        assert response.status_code == HTTPStatus.CREATED
        item = Item.objects.get()
        assert (str(item.price), str(item.tax)) == (stored, stored)
        assert response.json()["price"] == float(stored)

    @pytest.mark.parametrize(
        ("payload", "messages"),
        [
            (
                {"name": "x", "price": 1, "description": 0},
                {"description": ['Must be text in double quotes, such as "Anthropic LLM".']},
            ),
            ({"name": "x", "price": "18.5"}, {"price": ["Must be a JSON number such as 18.5 (not text, not null)."]}),
            ({"name": "x", "price": 1e30}, {"price": ["Must be at most 9999999999.99."]}),
            ({"name": "x", "price": -0.01}, {"price": ["Must be at least 0."]}),
        ],
    )
    def test_refusals_say_what_to_send(self, keyed_api, payload, messages):
        response = keyed_api.post("/items/", payload, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == messages

    def test_method_not_allowed_returns_405(self, keyed_api):
        response = keyed_api.put("/items/", {}, format="json")
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
