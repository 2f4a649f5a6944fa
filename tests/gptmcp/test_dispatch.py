"""/mcp answers on the request's thread (gptmcp.dispatch) exactly as the SDK's transport does (gptmcp.bridge).

Every message below is posted to /mcp twice, each time in a transaction rolled back after it, at a fixed
clock: once with the dispatch switched off (the SDK's StreamableHTTPSessionManager answers: the
reference), once as served. Status, headers and body must be the same, byte for byte. The corpus
covers every request method and notification the Server registers, and every tool, so that what is
registered later is held to it too; and it names the few messages the dispatch leaves to the SDK.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.management.color import no_style
from django.db import connection, transaction
from mcp_types import HEADER_MISMATCH, ErrorData, NotificationParams, RequestParams
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_MODERN_VERSION
from rest_framework.test import APIClient

from gptactions.registry import site
from gptmcp import bridge, dispatch
from gptmcp.documents import all_tools
from tests.factories import make_api_key, make_item, make_user
from tests.helpers.mcp import bearer, with_http_client
from tests.notes.models import Note

pytestmark = pytest.mark.django_db

ACCEPT = "application/json, text/event-stream"
VERSION = "2025-11-25"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@dataclass
class Post:
    name: str
    body: object  # a message (sent as JSON) or the body's text as it is
    headers: dict[str, str] = field(default_factory=dict)  # over the defaults; None removes one
    answered_here: bool = True  # False: the dispatch leaves it to the SDK's transport

    def text(self) -> str:
        return self.body if isinstance(self.body, str) else json.dumps(self.body)

    def meta(self) -> dict[str, str]:
        headers = {"Accept": ACCEPT, "MCP-Protocol-Version": VERSION, **self.headers}
        return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if value is not None}


def request(method: str, params: object = None, id: object = 1) -> dict:
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    return message if params is None else {**message, "params": params}


def notification(method: str, params: object = None) -> dict:
    message = {"jsonrpc": "2.0", "method": method}
    return message if params is None else {**message, "params": params}


def call(tool: str, arguments: object) -> dict:
    return request("tools/call", {"name": tool, "arguments": arguments})


def initialize(version: str) -> dict:
    client = {"name": "test", "version": "1.0"}
    return request("initialize", {"protocolVersion": version, "capabilities": {}, "clientInfo": client})


def tool_calls(item: int, note: int) -> list[Post]:
    """Every registered tool, with no arguments and with one it does not take; and with good ones where known."""
    good = {
        "list_items": {},
        "get_item": {"id": item},
        "create_item": {"name": "New", "price": 2.5},
        "update_item": {"id": item, "price": 3},
        "delete_item": {"id": item},
        "list_notes": {"page": 1},
        "get_note": {"id": note},
        "create_note": {"title": "New note"},
        "delete_note": {"id": note},
        "search": {"query": "Claude"},
        "fetch": {"id": f"items:{item}"},
    }
    posts = []
    for name in all_tools():
        posts.append(Post(f"{name} without arguments", call(name, {})))
        posts.append(Post(f"{name} with an unknown argument", call(name, {"colour": "red"})))
        if name in good:
            posts.append(Post(f"{name}", call(name, good[name])))
    posts += [
        Post("get_item of someone else's item", call("get_item", {"id": item + 1000})),
        Post("get_item with a text id", call("get_item", {"id": "abc"})),
        Post("create_item with a bad price", call("create_item", {"name": "x", "price": "free"})),
        Post("an unknown tool", call("no_such_tool", {})),
        Post("a tool call without a name", request("tools/call", {"arguments": {}})),
        Post("a tool call with a list of arguments", request("tools/call", {"name": "get_item", "arguments": [1]})),
        Post("a tool call without params", request("tools/call")),
    ]
    return posts


def registered_methods() -> list[Post]:
    """Each request and notification method the Server has a handler for, with no params and with odd ones."""
    server = bridge._server()
    odd = {"cursor": 7, "name": 7, "uri": 7, "arguments": 7}
    posts = []
    for method in server._request_handlers:
        posts.append(Post(f"{method}", request(method, {})))
        posts.append(Post(f"{method} with odd params", request(method, odd)))
    for method in server._notification_handlers:
        posts.append(Post(f"{method}", notification(method, {})))
    return posts


def corpus(item: int, note: int) -> list[Post]:
    return [
        *(
            Post(f"initialize at {v}", initialize(v), {"MCP-Protocol-Version": None})
            for v in HANDSHAKE_PROTOCOL_VERSIONS
        ),
        Post("initialize at a version the server does not know", initialize("1999-01-01")),
        Post(
            "initialize with a protocol version header",
            initialize("2025-06-18"),
            {"MCP-Protocol-Version": "2025-06-18"},
        ),
        Post("initialize without params", request("initialize")),
        Post("ping", request("ping")),
        Post("ping with a text id", request("ping", {}, id="abc")),
        Post("ping without a protocol version header", request("ping"), {"MCP-Protocol-Version": None}),
        Post("ping at an older version", request("ping"), {"MCP-Protocol-Version": "2025-03-26"}),
        Post("tools/list", request("tools/list")),
        Post("tools/list with a cursor", request("tools/list", {"cursor": "2"})),
        *registered_methods(),
        *tool_calls(item, note),
        Post("an unknown method", request("no/such/method", {})),
        Post("notifications/initialized", notification("notifications/initialized")),
        Post("notifications/cancelled", notification("notifications/cancelled", {"requestId": 1})),
        Post("an unknown notification", notification("notifications/no_such_thing", {})),
        Post("a response from the client", {"jsonrpc": "2.0", "id": 5, "result": {}}),
        Post("an error from the client", {"jsonrpc": "2.0", "id": 5, "error": {"code": -1, "message": "no"}}),
        Post("bad JSON", '{"jsonrpc": "2.0", "id": 1, "method": '),
        Post("an empty body", ""),
        Post("a number", "5"),
        Post("null", "null"),
        Post("an object that is no message", {"hello": "world"}),
        Post("JSON-RPC 1.0", {"jsonrpc": "1.0", "id": 1, "method": "ping"}),
        Post("a request with a null id", request("ping", id=None)),
        Post("a request with an object id", request("ping", id={"a": 1})),
        Post("params that are a list", request("ping", [1, 2])),
        Post("Accept: text/html", request("ping"), {"Accept": "text/html"}),
        Post("Accept: text/event-stream", request("ping"), {"Accept": "text/event-stream"}),
        Post("no Accept", request("ping"), {"Accept": None}),
        Post("Accept: */*", request("ping"), {"Accept": "*/*"}),
        Post("Accept: application/*", request("ping"), {"Accept": "application/*;q=0.9"}),
        Post(
            "Accept: text/html for a notification", notification("notifications/initialized"), {"Accept": "text/html"}
        ),
        Post("a charset", request("ping"), {"Content-Type": "application/json; charset=utf-8"}),
        Post("Content-Type in capitals", request("ping"), {"Content-Type": "Application/JSON"}, answered_here=False),
        Post("the 2026 protocol without its envelope", request("tools/list"), {"MCP-Protocol-Version": MODERN}),
        Post("an unknown protocol version header", request("ping"), {"MCP-Protocol-Version": "1999-01-01"}),
        Post("a protocol version header that is no version", request("ping"), {"MCP-Protocol-Version": "x"}),
        *single_exchange_corpus(item, note),
    ]


# 2026-07-28: every request carries its envelope in _meta and names its method (and tool) in headers too.
MODERN = LATEST_MODERN_VERSION
ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1.0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def modern(name: str, method: str, params: dict | None = None, answered_here: bool = True, **headers) -> Post:
    params = {**(params or {}), "_meta": ENVELOPE}
    routing = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if method == "tools/call":
        routing["Mcp-Name"] = str(params.get("name"))
    return Post(name, request(method, params), {**routing, **headers}, answered_here)


def single_exchange_corpus(item: int, note: int) -> list[Post]:
    """The same messages in 2026-07-28, and the refusals of its header ladder."""
    posts = [modern(f"2026: {method}", method) for method in bridge._server()._request_handlers]
    posts += [
        modern(f"2026: {post.name}", "tools/call", post.body["params"])
        for post in tool_calls(item, note)
        if isinstance(post.body.get("params"), dict) and "name" in post.body["params"]
    ]
    posts += [
        modern("2026: ping", "ping"),
        modern("2026: an unknown method", "no/such/method"),
        modern("2026: Mcp-Method naming another method", "tools/list", **{"Mcp-Method": "ping"}),
        modern("2026: no Mcp-Method", "tools/list", **{"Mcp-Method": None}),
        modern(
            "2026: no Mcp-Name", "tools/call", {"name": "get_item", "arguments": {"id": item}}, **{"Mcp-Name": None}
        ),
        modern(
            "2026: Mcp-Name naming another tool",
            "tools/call",
            {"name": "get_item", "arguments": {"id": item}},
            **{"Mcp-Name": "delete_item"},
        ),
        modern("2026: Accept: text/html", "ping", Accept="text/html"),
        modern("2026: subscriptions/listen", "subscriptions/listen", answered_here=False),
        Post("2026: a notification", notification("notifications/initialized"), {"MCP-Protocol-Version": MODERN}),
        Post(
            "2026: a notification at no known version",
            notification("notifications/initialized"),
            {"MCP-Protocol-Version": "1999-01-01"},
        ),
        Post("2026: a malformed notification", {"jsonrpc": "2.0", "method": 5}, {"MCP-Protocol-Version": MODERN}),
        Post("2026: bad JSON", '{"jsonrpc": "2.0", "id": 1, "method": ', {"MCP-Protocol-Version": MODERN}),
        Post("2026: a response", {"jsonrpc": "2.0", "id": 5, "result": {}}, {"MCP-Protocol-Version": MODERN}),
    ]
    return posts


@pytest.fixture
def client() -> APIClient:
    alice = make_user("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(alice)[1]}")
    client.item = make_item(alice, name="Claude", description="Talks a lot.").pk
    client.note = Note.objects.create(owner=alice, title="Claude's note", body="Remember.").pk
    return client


def post(client: APIClient, message: Post):
    """The answer, with nothing it did kept (the transaction is rolled back, PostgreSQL's id sequences
    set back, which a rollback leaves as they are) and the clock stopped."""
    content_type = message.headers.get("Content-Type", "application/json")
    with transaction.atomic(), mock.patch("django.utils.timezone.now", return_value=NOW):
        response = client.post("/mcp", message.text(), content_type=content_type, secure=True, **message.meta())
        transaction.set_rollback(True)
    models = [resource.model for resource in site.resources()]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return response


def headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}  # names are case-insensitive (RFC 9110)


def watch_dispatch(monkeypatch: pytest.MonkeyPatch, answer=dispatch.answer) -> list[bool]:
    """Whether the dispatch answered each POST from now on (False: it left the POST to the SDK's transport)."""
    answers = []

    def watched(*args):
        response = answer(*args)
        answers.append(response is not None)
        return response

    monkeypatch.setattr(dispatch, "answer", watched)
    return answers


def assert_answered_alike(client: APIClient, message: Post, monkeypatch: pytest.MonkeyPatch) -> None:
    answered = dispatch.answer
    monkeypatch.setattr(dispatch, "answer", lambda *args: None)
    reference = post(client, message)
    answers = watch_dispatch(monkeypatch, answered)
    served = post(client, message)
    monkeypatch.setattr(dispatch, "answer", answered)

    assert answers == [message.answered_here], message.name
    assert served.status_code == reference.status_code, message.name
    assert headers(served) == headers(reference), message.name
    assert served.content == reference.content, message.name


def test_the_dispatch_answers_as_the_sdk_transport_does(client, monkeypatch):
    for message in corpus(client.item, client.note):
        assert_answered_alike(client, message, monkeypatch)


def test_handlers_that_fail_are_answered_alike(client, monkeypatch):
    """A handler's crash (the SDK sends its text with code 0), its ErrorData, a notification handler's crash."""
    server = bridge._server()

    async def crashes(ctx, params):
        raise ValueError("the handler's own words")

    async def refuses(ctx, params):
        return ErrorData(code=-32000, message="refused", data={"why": "because"})

    monkeypatch.setattr(server, "_request_handlers", dict(server._request_handlers))
    monkeypatch.setattr(server, "_notification_handlers", dict(server._notification_handlers))
    server.add_request_handler("test/crashes", RequestParams, crashes)
    server.add_request_handler("test/refuses", RequestParams, refuses)
    server.add_notification_handler("notifications/test/crashes", NotificationParams, crashes)

    for message in [*registered_methods(), Post("crash", request("test/crashes", {}))]:
        assert_answered_alike(client, message, monkeypatch)


def test_the_corpus_reaches_the_tools_and_the_protocol_errors(client):
    """The comparison above means something: the corpus gets results, tool errors and each kind of refusal."""
    answers = {message.name: post(client, message) for message in corpus(client.item, client.note)}

    def body(name: str) -> dict:
        return answers[name].json()

    assert json.loads(body("get_item")["result"]["content"][0]["text"])["name"] == "Claude"
    assert body("get_item of someone else's item")["result"]["isError"] is True
    assert body("an unknown tool")["error"]["code"] == -32602
    assert body("an unknown method")["error"]["code"] == -32601
    assert body("initialize at 2025-06-18")["result"]["protocolVersion"] == "2025-06-18"
    assert body("initialize at a version the server does not know")["result"]["capabilities"]["tools"] is not None
    assert body("ping") == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert body("bad JSON")["error"]["code"] == -32700 and answers["bad JSON"].status_code == HTTPStatus.BAD_REQUEST
    assert body("a number")["error"]["code"] == -32602
    assert answers["notifications/initialized"].status_code == HTTPStatus.ACCEPTED
    assert answers["Accept: text/html"].status_code == HTTPStatus.NOT_ACCEPTABLE
    assert answers["an unknown protocol version header"].status_code == HTTPStatus.BAD_REQUEST
    assert body("2026: get_item")["result"]["structuredContent"]["name"] == "Claude"
    assert body("2026: tools/list")["result"]["tools"]
    assert answers["2026: Mcp-Method naming another method"].status_code == HTTPStatus.BAD_REQUEST
    assert body("2026: Mcp-Method naming another method")["error"]["code"] == HEADER_MISMATCH
    assert body("2026: an unknown method")["error"]["code"] == -32601
    assert answers["2026: a notification"].status_code == HTTPStatus.ACCEPTED


@pytest.mark.parametrize("version", [VERSION, LATEST_MODERN_VERSION])
def test_a_handler_that_needs_an_event_loop_is_answered_by_the_sdk(client, monkeypatch, version):
    """A handler awaiting a real event loop (here anyio's sleep) gets one: the dispatch hands the request over."""
    import anyio

    server = bridge._server()
    entry = server.get_request_handler("tools/list")

    async def sleepy(ctx, params):
        await anyio.sleep(0)
        return await entry.handler(ctx, params)

    monkeypatch.setitem(server._request_handlers, "tools/list", type(entry)(entry.params_type, sleepy))
    answers = watch_dispatch(monkeypatch)

    listing = Post("tools/list", request("tools/list")) if version == VERSION else modern("2026", "tools/list")
    response = post(client, listing)

    assert answers == [False]
    assert "get_item" in {tool["name"] for tool in response.json()["result"]["tools"]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_the_sdk_client_is_answered_by_the_dispatch(live_server, monkeypatch, mode):
    """Over real HTTP, the SDK's client gets every answer from the dispatch, none from the SDK's transport: in the
    handshake era (initialize, notifications/initialized, tools/list, a tool call) and in its own default, which
    speaks 2026-07-28."""
    alice = make_user("alice")
    item = make_item(alice, name="Claude").pk
    _, raw_key = make_api_key(alice)
    answers = watch_dispatch(monkeypatch)

    async def session(client):
        listed = await client.list_tools()
        called = await client.call_tool("get_item", {"id": item})
        return listed, called

    listed, called = with_http_client(f"{live_server.url}/mcp", session, headers=bearer(raw_key), mode=mode)

    assert "get_item" in {tool.name for tool in listed.tools}
    assert called.structured_content["name"] == "Claude"
    assert len(answers) >= (4 if mode == "legacy" else 2) and all(answers)
