"""`search` and `fetch` (ChatGPT's deep research and company knowledge), the pages their urls open, and
OpenAI's domain challenge."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from tests.factories import make_api_key, make_item, make_user
from tests.gptmcp.test_http import bearer, rpc, tool_call
from tests.notes.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def alices_key(alice) -> str:
    return make_api_key(alice)[1]


def result_of(response) -> dict:
    assert response.status_code == HTTPStatus.OK, response.content
    result = response.json()["result"]
    if "structuredContent" in result:
        assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
    return result


def test_every_tool_has_a_title_and_the_four_hints_and_search_and_fetch_only_read(api, alices_key):
    tools = {tool["name"]: tool for tool in rpc(api, "tools/list", **bearer(alices_key)).json()["result"]["tools"]}

    hints = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")
    for tool in tools.values():
        assert tool["title"] and tool["annotations"]["title"] == tool["title"]
        assert all(isinstance(tool["annotations"][hint], bool) for hint in hints), tool["name"]
        assert len(tool["name"]) <= 64
    for name in ("search", "fetch"):
        assert tools[name]["annotations"] == {
            "title": tools[name]["title"],
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
            "openWorldHint": False,
        }
    assert tools["search"]["inputSchema"]["required"] == ["query"]
    assert tools["fetch"]["inputSchema"]["required"] == ["id"]
    assert "items and notes" in tools["search"]["description"]


def test_search_finds_the_users_own_items_and_notes_only(api, alice, alices_key):
    lamp = make_item(alice, name="Desk lamp", description="Warm light")
    make_item(alice, name="Chair")
    note = Note.objects.create(owner=alice, title="Buy a lamp", body="for the desk")
    make_item(make_user("bob"), name="Bob's lamp")

    result = result_of(tool_call(api, "search", {"query": "LAMP"}, **bearer(alices_key)))

    assert result["isError"] is False
    assert result["structuredContent"] == {
        "results": [
            {"id": f"items:{lamp.pk}", "title": "Desk lamp", "url": f"https://testserver/documents/items/{lamp.pk}/"},
            {"id": f"notes:{note.pk}", "title": "Buy a lamp", "url": f"https://testserver/documents/notes/{note.pk}/"},
        ]
    }
    # Every word must appear, in the title or the text.
    both = result_of(tool_call(api, "search", {"query": "warm lamp"}, **bearer(alices_key)))["structuredContent"]
    assert [found["id"] for found in both["results"]] == [f"items:{lamp.pk}"]


def test_fetch_returns_the_document_and_refuses_someone_elses(api, alice, alices_key):
    lamp = make_item(alice, name="Desk lamp", description="Warm light", price="12.50")
    bobs = make_item(make_user("bob"), name="Bob's lamp")

    document = result_of(tool_call(api, "fetch", {"id": f"items:{lamp.pk}"}, **bearer(alices_key)))
    refused = result_of(tool_call(api, "fetch", {"id": f"items:{bobs.pk}"}, **bearer(alices_key)))
    unknown = result_of(tool_call(api, "fetch", {"id": "nothing"}, **bearer(alices_key)))

    content = document["structuredContent"]
    assert content["id"] == f"items:{lamp.pk}" and content["title"] == "Desk lamp" and content["text"] == "Warm light"
    assert content["url"] == f"https://testserver/documents/items/{lamp.pk}/"
    assert content["metadata"]["resource"] == "items" and content["metadata"]["price"] == "12.5"
    assert all(isinstance(value, str) for value in content["metadata"].values())
    assert refused["isError"] is True and "Bob" not in refused["content"][0]["text"]
    assert unknown["isError"] is True and "Ids come from search" in unknown["content"][0]["text"]


def test_search_and_fetch_need_a_read_scope_and_keep_to_it(api, alice):
    make_item(alice, name="Desk lamp")
    note = Note.objects.create(owner=alice, title="lamp note")
    _, notes_only = make_api_key(alice, scopes=("notes:read",))
    _, write_only = make_api_key(alice, scopes=("items:write",))

    found = result_of(tool_call(api, "search", {"query": "lamp"}, **bearer(notes_only)))["structuredContent"]
    refused = tool_call(api, "search", {"query": "lamp"}, **bearer(write_only))
    fetch_item = result_of(tool_call(api, "fetch", {"id": "items:1"}, **bearer(notes_only)))

    assert [result["id"] for result in found["results"]] == [f"notes:{note.pk}"]
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]
    assert fetch_item["isError"] is True and "items:read" in fetch_item["content"][0]["text"]


class DocumentPageTests:
    def test_the_owner_reads_the_page_a_result_links_to(self, client, alice, alices_key):
        lamp = make_item(alice, name="Desk lamp", description="Warm light")
        url = result_of(tool_call(APIClient(), "search", {"query": "lamp"}, **bearer(alices_key)))["structuredContent"][
            "results"
        ][0]["url"]
        path = url.removeprefix("https://testserver")

        signed_out = client.get(path)
        client.force_login(alice)
        page = client.get(path)

        assert signed_out.status_code == HTTPStatus.FOUND and "/oauth/login/" in signed_out["Location"]
        assert page.status_code == HTTPStatus.OK
        html = page.content.decode()
        assert "Desk lamp" in html and "Warm light" in html and str(lamp.price) in html
        assert page["X-Frame-Options"] == "DENY"

    def test_someone_elses_page_is_not_found(self, client, alice):
        bobs = make_item(make_user("bob"), name="Bob's lamp")
        client.force_login(alice)
        assert client.get(f"/documents/items/{bobs.pk}/").status_code == HTTPStatus.NOT_FOUND
        assert client.get("/documents/nothing/1/").status_code == HTTPStatus.NOT_FOUND


class OpenAiAppsChallengeTests:
    def test_unset_is_not_found(self, client):
        assert client.get("/.well-known/openai-apps-challenge").status_code == HTTPStatus.NOT_FOUND

    def test_the_setting_is_answered_as_plain_text(self, client, settings):
        settings.GPT_MCP = {**settings.GPT_MCP, "OPENAI_APPS_CHALLENGE": "oai-verify-3f9c2a"}
        response = client.get("/.well-known/openai-apps-challenge")
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content == b"oai-verify-3f9c2a"
