"""Hostile request bodies get a JSON error with the right status, never a 500 (issue 10, finding 6).

Over real HTTP (live_server and requests), where JSON is parsed (the Items API) and where forms are
(the OAuth endpoints).
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests

from tests.factories import make_api_key, make_item, make_user

DEEP = "[" * 5000 + "]" * 5000
BIG = 3 * 1024 * 1024  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
JSON = {"Content-Type": "application/json", "Accept": "*/*"}


@pytest.fixture
def api(live_server, transactional_db):
    user = make_user("alice")
    item = make_item(user)
    headers = {**JSON, "api-key": make_api_key(user)[1]}

    def send(method: str, path: str, body: str) -> requests.Response:
        url = f"{live_server.url}{path.format(item=item.pk)}"
        return requests.request(method, url, data=body.encode(), headers=headers, timeout=30)

    return send


WRITES = [("POST", "/items/"), ("PATCH", "/items/{item}")]  # PUT is not served (405)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_deeply_nested_json_is_a_json_400(api, method, path):
    response = api(method, path, '{"name": ' + DEEP + ', "price": 1}')
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("depth", [100, 900])
def test_nesting_under_the_limit_is_a_field_error_not_a_500(api, depth):
    response = api("POST", "/items/", '{"name": ' + "[" * depth + "]" * depth + ', "price": 1}')
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "detail" in response.json() or "name" in response.json()


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_oversize_json_body_is_a_json_413(api, method, path):
    response = api(method, path, '{"name": "x", "price": 1, "padding": "' + "a" * BIG + '"}')
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {"detail": "The request body is too large."}


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (DEEP, HTTPStatus.BAD_REQUEST, "JSON parse error - nested too deeply."),
        ('{"padding": "' + "a" * BIG + '"}', HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "The request body is too large."),
    ],
)
def test_mcp_refuses_hostile_bodies_with_json_errors(live_server, transactional_db, body, status, detail):
    headers = {**JSON, "Accept": "application/json, text/event-stream"}
    headers["Authorization"] = f"Bearer {make_api_key(make_user('alice'))[1]}"
    response = requests.post(f"{live_server.url}/mcp", data=body.encode(), headers=headers, timeout=30)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


def post_form(url: str, body: str) -> requests.Response:
    return requests.post(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)


@pytest.mark.parametrize("path", ["/oauth/token/", "/oauth/revoke_token/", "/oauth/introspect/"])
def test_oversize_form_on_oauth_endpoints_is_a_json_413(live_server, transactional_db, path):
    response = post_form(f"{live_server.url}{path}", "grant_type=refresh_token&refresh_token=" + "a" * BIG)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {"detail": "The request body is too large."}


def test_too_many_form_fields_on_the_token_endpoint_is_a_json_400(live_server, transactional_db):
    # Over DATA_UPLOAD_MAX_NUMBER_FIELDS (1000).
    response = post_form(f"{live_server.url}/oauth/token/", "&".join(f"f{n}=1" for n in range(1500)))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"detail": "Bad request."}
