"""An MCP tool call and the REST call it stands for answer the same, for every action every registration exposes.

Both over real HTTP against live_server: REST with requests, MCP with the official SDK's client, as one user
with one API key. The tool goes through the action's own view (gptmcp.tools), so the answers are equal: the
same record, the same page, the same refusal (operationIds named by their tool names); a list names its next
page by number where REST gives its URL, and a delete answers {id, deleted} where REST answers 204.
"""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
import requests
from mcp import Client

from gptactions import site
from tests.factories import make_api_key, make_user
from tests.helpers.mcp import bearer, with_http_client

pytestmark = pytest.mark.django_db(transaction=True)

# A valid new record for each registered resource, as a model would send it.
NEW = {"items": {"name": "Claude", "price": 18.5, "tax": 1.5}, "notes": {"title": "Call Ada", "body": "Tuesday"}}
CHANGE = {"items": {"price": 19.5}}


@pytest.fixture
def key() -> str:
    return make_api_key(make_user("alice"))[1]


def rest(live_server, key: str, method: str, path: str, body: dict | None = None, query: dict | None = None):
    response = requests.request(
        method, live_server.url + path, headers=bearer(key), json=body, params=query, timeout=10
    )
    return response.status_code, (response.json() if response.content else None)


def tool(live_server, key: str, name: str, arguments: dict):
    async def session(client: Client):
        return await client.call_tool(name, arguments)

    result = with_http_client(live_server.url + "/mcp", session, headers=bearer(key))
    return result.is_error, (result.content[0].text if result.is_error else result.structured_content)


def specs_of(prefix: str) -> dict[str, object]:
    resource = next(resource for resource in site.resources() if resource.prefix == prefix)
    return {spec.action: spec for spec in resource.specs()}


def content(record: dict) -> dict:
    """A record but for what tells two records apart: its id and its timestamps."""
    return {name: value for name, value in record.items() if name not in ("id", "created_at", "updated_at")}


@pytest.mark.parametrize("prefix", sorted(NEW))
def test_every_action_answers_over_mcp_as_over_rest(live_server, key, prefix):
    specs = specs_of(prefix)
    base = f"/{prefix}/"

    # create: the same record, but for its id.
    status, by_rest = rest(live_server, key, "POST", base, NEW[prefix])
    error, by_tool = tool(live_server, key, specs["create"].tool_name, NEW[prefix])
    assert status == HTTPStatus.CREATED and not error
    assert content(by_tool) == content(by_rest) and by_tool["id"] != by_rest["id"]

    # retrieve: both doors read the same record.
    for record_id in (by_rest["id"], by_tool["id"]):
        by_tool_now = tool(live_server, key, specs["retrieve"].tool_name, {"id": record_id})
        assert rest(live_server, key, "GET", f"{base}{record_id}/") == (HTTPStatus.OK, by_tool_now[1])

    # list: the same page; page numbers where REST has URLs.
    status, page = rest(live_server, key, "GET", base, query={"page_size": 1})
    error, tool_page = tool(live_server, key, specs["list"].tool_name, {"page_size": 1})
    assert status == HTTPStatus.OK and not error
    assert tool_page == {**page, "next": 2, "previous": None}
    assert "page=2" in page["next"]

    # partial_update, where the registration exposes it.
    if "partial_update" in specs:
        status, changed = rest(live_server, key, "PATCH", f"{base}{by_rest['id']}/", CHANGE[prefix])
        arguments = {"id": by_tool["id"], **CHANGE[prefix]}
        error, tool_changed = tool(live_server, key, specs["partial_update"].tool_name, arguments)
        assert status == HTTPStatus.OK and not error
        assert content(tool_changed) == content(changed) == content({**by_rest, **CHANGE[prefix]})

    # a refusal: another user's record is not found, in the same words.
    strangers = rest(live_server, make_api_key(make_user("bob"))[1], "POST", base, NEW[prefix])[1]
    status, refused = rest(live_server, key, "GET", f"{base}{strangers['id']}/")
    error, tool_refused = tool(live_server, key, specs["retrieve"].tool_name, {"id": strangers["id"]})
    assert status == HTTPStatus.NOT_FOUND and error
    renames = {spec.operation_id: spec.tool_name for spec in site.action_specs()}
    expected = refused["detail"]
    for operation_id, tool_name in renames.items():
        expected = expected.replace(operation_id, tool_name)
    assert tool_refused == expected

    # destroy: REST's 204 is {id, deleted} over MCP; both records are gone.
    assert rest(live_server, key, "DELETE", f"{base}{by_rest['id']}/") == (HTTPStatus.NO_CONTENT, None)
    deleted = tool(live_server, key, specs["destroy"].tool_name, {"id": by_tool["id"]})
    assert deleted == (False, {"id": by_tool["id"], "deleted": True})
    assert rest(live_server, key, "GET", base)[1]["count"] == 0


def test_a_scope_refusal_reads_the_same_at_both_doors(live_server):
    user = make_user("carol")
    _, read_items_only = make_api_key(user, scopes=("items:read",))
    status, refused = rest(live_server, read_items_only, "GET", "/notes/")
    assert status == HTTPStatus.FORBIDDEN and refused == {"detail": "This credential lacks the notes:read scope."}
    response = requests.post(
        live_server.url + "/mcp",
        headers={**bearer(read_items_only), "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_notes", "arguments": {}}},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert json.loads(response.content) == refused
    assert 'scope="notes:read"' in response.headers["WWW-Authenticate"]
