"""The suite's second resource (tests/notes: a shop's own model, serializer, viewset and an 11-line registration)
gets everything items gets: REST, the Action schema, MCP tools, scopes on the consent page, the call log and the
setup listing. Checked with the real clients: requests_oauthlib for OAuth, the MCP SDK's client, the OpenAPI
validator, Django's admin pages."""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.utils import translation
from mcp import Client
from openapi_spec_validator import validate

from gptcalllog.models import Call
from gptcalllog.recorder import flush
from tests.factories import make_api_key, make_gpt_client, make_user
from tests.helpers.mcp import bearer, with_http_client
from tests.helpers.oauth import GPT_CALLBACK, Gpt, UserAgent
from tests.notes.models import Note

REGISTRATION = Path(__file__).with_name("gpt_actions.py")


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_registration_is_under_thirty_lines():
    assert len(REGISTRATION.read_text().splitlines()) < 30


@pytest.mark.django_db
def test_rest_routes_only_the_allowed_actions(keyed_api):
    created = keyed_api.post("/notes/", {"title": "Call Ada"}, format="json")
    assert created.status_code == HTTPStatus.CREATED
    note_id = created.json()["id"]
    assert keyed_api.get(f"/notes/{note_id}").json() == {
        "id": note_id,
        "title": "Call Ada",
        "body": "",
        "pinned": False,
    }
    # No partial_update or update in the registration: 405, and Allow lists what is routed.
    refused = keyed_api.patch(f"/notes/{note_id}", {"title": "x"}, format="json")
    assert refused.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert set(refused["Allow"].split(", ")) == {"GET", "DELETE", "HEAD", "OPTIONS"}
    assert (
        keyed_api.put(f"/notes/{note_id}", {"title": "x"}, format="json").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    )
    # The view's own filter runs: ?pinned=true.
    assert keyed_api.get("/notes/?pinned=true").json()["count"] == 0
    assert keyed_api.get("/notes/abc").status_code == HTTPStatus.NOT_FOUND  # an integer key takes digits only


@pytest.mark.django_db
def test_the_action_schema_has_its_operations_and_validates(api):
    schema = api.get("/api/schema/?format=json").json()
    validate(schema)
    notes = {path: operations for path, operations in schema["paths"].items() if path.startswith("/notes/")}
    assert {op["operationId"]: op["x-openai-isConsequential"] for ops in notes.values() for op in ops.values()} == {
        "listNotes": False,
        "createNote": False,
        "getNote": False,
        "deleteNote": True,
    }
    get_note = notes["/notes/{id}/"]["get"]
    assert get_note["summary"] == "Get a note"
    assert get_note["description"] == "The user's notes. Pinned notes can be found with ?pinned=true."
    assert get_note["parameters"][0]["schema"]["type"] == "integer"
    assert {"401", "403", "404", "429"} <= set(get_note["responses"])


@pytest.mark.django_db(transaction=True)
def test_mcp_tools_with_titles_and_hints(live_server):
    _, key = make_api_key(make_user("alice"))

    async def session(client: Client):
        return {tool.name: tool for tool in (await client.list_tools()).tools}

    tools = with_http_client(live_server.url + "/mcp", session, headers=bearer(key))
    hints = {
        name: (tool.title, tool.annotations.read_only_hint, tool.annotations.destructive_hint)
        for name, tool in tools.items()
        if name.endswith(("note", "notes"))
    }
    assert hints == {
        "list_notes": ("List notes", True, False),
        "get_note": ("Get a note", True, False),
        "create_note": ("Create a note", False, False),
        "delete_note": ("Delete a note", False, True),
    }
    assert set(tools["create_note"].input_schema["properties"]) == {"title", "body", "pinned"}
    assert tools["create_note"].input_schema["required"] == ["title"]


@pytest.mark.django_db(transaction=True)
def test_oauth_consent_names_the_notes_scopes_and_the_token_reaches_notes_only(live_server, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    make_user("alice")
    application, secret = make_gpt_client(callback_urls=(GPT_CALLBACK,))
    gpt = Gpt(client_id=application.client_id, client_secret=secret, base_url=live_server.url)
    browser = UserAgent(live_server.url)
    oauth = gpt.session(scope=["notes:read", "notes:write"])
    browser.sign_in("alice")
    consent = browser.get(oauth.authorization_url(gpt.authorization_url)[0])
    assert "Read your notes" in consent.text and "Create, change and delete your notes" in consent.text
    assert "Read your items" not in consent.text
    answer = browser.submit(consent, button="allow")
    token = oauth.fetch_token(gpt.token_url, authorization_response=answer.headers["Location"], client_secret=secret)
    assert token["scope"] == ["notes:read", "notes:write"]
    assert oauth.post(f"{live_server.url}/notes/", json={"title": "From ChatGPT"}).status_code == HTTPStatus.CREATED
    assert oauth.get(f"{live_server.url}/notes/").json()["count"] == 1
    refused = oauth.get(f"{live_server.url}/items/")
    assert (refused.status_code, refused.json()) == (
        HTTPStatus.FORBIDDEN,
        {"detail": "This credential lacks the items:read scope."},
    )
    assert Note.objects.get().title == "From ChatGPT"


@pytest.mark.django_db(transaction=True)
def test_both_doors_log_calls_under_the_registrations_names(live_server):
    _, key = make_api_key(make_user("alice"), name="Notes key")
    assert requests.get(f"{live_server.url}/notes/", headers=bearer(key), timeout=10).status_code == HTTPStatus.OK
    response = requests.post(
        live_server.url + "/mcp",
        headers={**bearer(key), "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "list_notes", "arguments": {}}},
        timeout=10,
    )
    assert json.loads(response.content)["result"]["structuredContent"]["count"] == 0
    flush()
    logged = list(Call.objects.order_by("id").values_list("door", "operation_id", "status", "credential_name"))
    assert logged == [("api", "listNotes", 200, "Notes key"), ("mcp", "list_notes", 200, "Notes key")]


@pytest.mark.django_db
def test_setup_page_lists_the_resource(admin_client):
    html = admin_client.get("/admin/gptsetup/gptactionsetup/").content.decode()
    for text in ("listNotes", "list_notes", "GET /notes/", "DELETE /notes/{id}/", "notes:write"):
        assert text in html
    home = admin_client.get("/").content.decode()
    assert "<code>/notes/</code> 4 actions: List notes, Get a note, Create a note, Delete a note" in home
