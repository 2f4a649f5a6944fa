"""Client ID metadata documents (CIMD): a client names an https URL as its client_id, DOT fetches it.

A real https server on 127.0.0.1 (a CA made here, tests.helpers.cimd) serves the documents; the official
MCP SDK's client goes through discovery, authorization with PKCE and `resource`, sign-in, consent, the token
and a tool call, as ChatGPT and Claude do.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult
from oauth2_provider.models import AccessToken, Application

from tests.factories import make_user
from tests.helpers.cimd import DocumentServer, LoopbackFetcher, Reply, document_server, make_test_ca
from tests.helpers.mcp import Transcript, oauth_provider, with_oauth_client
from tests.helpers.oauth import UserAgent, forms_of

pytestmark = pytest.mark.django_db(transaction=True)

CLAUDE_CALLBACKS = ["https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"]
CHATGPT_CALLBACK = "https://chatgpt.com/connector/oauth/c_5f2a9e"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def claude_document(**fields: object) -> dict:
    return {
        "client_name": "Claude",
        "redirect_uris": CLAUDE_CALLBACKS,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        **fields,
    }


@pytest.fixture
def documents(tmp_path: Path, settings) -> Iterator[DocumentServer]:
    """The https server of client metadata documents, and DOT told to fetch from it (tests only)."""
    ca = make_test_ca(tmp_path)
    LoopbackFetcher.ca_pem = ca.ca_pem
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "CIMD_METADATA_FETCHER": "tests.helpers.cimd.LoopbackFetcher",
    }
    with document_server(ca) as server:
        yield server
    LoopbackFetcher.ca_pem = None


class RecordingBrowser(UserAgent):
    """The person's browser, each request and its status written into the transcript."""

    def __init__(self, base_url: str, lines: list[str]) -> None:
        super().__init__(base_url)

        def record(response: requests.Response, *args: object, **kwargs: object) -> None:
            url = urlsplit(response.request.url)
            lines.append(f"{response.request.method} {url.scheme}://{url.netloc}{url.path} -> {response.status_code}")

        self.session.hooks["response"].append(record)


class Person:
    """Signs in when the client opens the authorization URL, reads the consent page, allows."""

    def __init__(self, browser: RecordingBrowser) -> None:
        self.browser = browser
        self.authorization_url = ""
        self.consent_html = ""
        self.callback = ""

    async def redirect_handler(self, authorization_url: str) -> None:
        self.authorization_url = authorization_url
        response = self.browser.get(authorization_url)
        assert response.status_code == HTTPStatus.FOUND and "/oauth/login/" in response.headers["Location"]
        login = self.browser.get(response.headers["Location"])
        data = {**forms_of(login.text)[-1]["fields"], "username": "alice", "password": "correct horse battery"}
        signed_in = self.browser.post(login.url, data)
        consent = self.browser.get(signed_in.headers["Location"])
        assert consent.status_code == HTTPStatus.OK, consent.text
        self.consent_html = consent.text
        answer = self.browser.submit(consent, button="allow")
        self.callback = answer.headers["Location"]

    async def callback_handler(self) -> AuthorizationCodeResult:
        query = {name: values[0] for name, values in parse_qs(urlsplit(self.callback).query).items()}
        if "code" not in query:
            raise PermissionError(query.get("error", "no code"))
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


def test_a_client_known_by_its_metadata_document_connects_and_calls_a_tool(live_server, documents):
    alice = make_user("alice")
    client_id = documents.document("/oauth/claude.json", claude_document())
    mcp_url = f"{live_server.url}/mcp"
    transcript = Transcript()
    person = Person(RecordingBrowser(live_server.url, transcript.lines))
    auth = oauth_provider(
        mcp_url, person, client_name="Claude", callback=CLAUDE_CALLBACKS[0], client_metadata_url=client_id
    )

    async def session(client: Client):
        created = await client.call_tool("create_item", {"name": "Fetched", "price": 3})
        return created, await client.call_tool("list_items", {})

    # In a thread of its own: a Playwright page test earlier in the session can leave this thread marked as
    # running asyncio, and anyio.run refuses to start there.
    with ThreadPoolExecutor(1) as executor:
        created, listed = executor.submit(
            with_oauth_client, mcp_url, session, auth=auth, transcript=transcript
        ).result()

    assert not created.is_error and listed.structured_content["count"] == 1
    # The document was fetched once, when the authorization request first named it.
    assert documents.requests == [f"GET {client_id} -> 200"]
    base = live_server.url
    assert transcript.lines[:10] == [
        f"POST {base}/mcp -> 401",
        f"GET {base}/.well-known/oauth-protected-resource/mcp -> 200",
        f"GET {base}/.well-known/oauth-authorization-server -> 200",
        f"GET {base}/oauth/authorize/ -> 302",
        f"GET {base}/oauth/login/ -> 200",
        f"POST {base}/oauth/login/ -> 302",
        f"GET {base}/oauth/authorize/ -> 200",
        f"POST {base}/oauth/authorize/ -> 302",
        f"POST {base}/oauth/token/ -> 200",
        f"POST {base}/mcp -> 200",
    ]
    assert set(transcript.lines[10:]) == {f"POST {base}/mcp -> 200"}  # the SDK's tools/list and the calls
    authorization = parse_qs(urlsplit(person.authorization_url).query)
    assert authorization["client_id"] == [client_id]
    assert authorization["code_challenge_method"] == ["S256"] and authorization["resource"] == [mcp_url]
    assert urlsplit(person.callback).netloc == "claude.ai"
    # The consent page names the document's host and says the name is the client's own.
    assert "metadata-host" in person.consent_html and "127.0.0.1" in person.consent_html
    assert "chose this name there" in person.consent_html
    application = Application.objects.get(client_id=client_id)
    assert application.registration_source == Application.RegistrationSource.CIMD
    assert application.client_type == Application.CLIENT_PUBLIC and application.name == "Claude"
    assert application.redirect_uris.split() == CLAUDE_CALLBACKS
    token = AccessToken.objects.get(application=application, user=alice)
    assert token.resource == [mcp_url]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "cimd-transcript.txt").write_text(
        # The server fetches the document while it answers the signed-in authorization request.
        "\n".join([*transcript.lines[:7], f"  server: {documents.requests[0]}", *transcript.lines[7:]]) + "\n"
    )


def test_the_metadata_says_documents_are_supported_and_public_clients_use_none(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["client_id_metadata_document_supported"] is True
    assert "none" in metadata["token_endpoint_auth_methods_supported"]


def test_a_setting_turns_documents_off(client, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "CIMD_ENABLED": False}
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["client_id_metadata_document_supported"] is False


# Refusals: each answers the error page, never a redirect to the callback -------------------------------


def _challenge() -> str:
    verifier = "v" * 64
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize(live_server, client_id: str, redirect_uri: str) -> requests.Response:
    browser = UserAgent(live_server.url)
    browser.sign_in("alice")
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": "s-1",
        "code_challenge": _challenge(),
        "code_challenge_method": "S256",
        "resource": f"{live_server.url}/mcp",
    }
    return browser.get("/oauth/authorize/?" + urlencode(query))


def assert_refused(response: requests.Response) -> None:
    assert response.status_code == HTTPStatus.BAD_REQUEST, (response.status_code, response.text[:300])
    assert "Location" not in response.headers
    assert "This sign-in link does not work" in response.text


class RefusalTests:
    def test_a_valid_document_is_accepted(self, live_server, documents):
        make_user("alice")
        client_id = documents.document("/ok.json", claude_document())
        response = authorize(live_server, client_id, CLAUDE_CALLBACKS[1])
        assert response.status_code == HTTPStatus.OK  # the consent page
        assert Application.objects.filter(client_id=client_id).exists()

    def test_a_document_over_the_size_cap(self, live_server, documents, settings):
        make_user("alice")
        client_id = documents.document("/big.json", claude_document(), padding="x" * (16 * 1024))
        assert_refused(authorize(live_server, client_id, CLAUDE_CALLBACKS[0]))
        assert documents.requests == [f"GET {client_id} -> 200"]
        assert not Application.objects.filter(client_id=client_id).exists()

    def test_a_redirect_is_not_followed(self, live_server, documents):
        make_user("alice")
        target = documents.document("/target.json", claude_document())
        client_id = documents.url("/moved.json")
        documents.replies["/moved.json"] = Reply(302, b"", {"Location": target})
        assert_refused(authorize(live_server, client_id, CLAUDE_CALLBACKS[0]))
        assert documents.requests == [f"GET {client_id} -> 302"]  # the target is never asked
        assert not Application.objects.exists()

    def test_a_document_naming_another_client_id(self, live_server, documents):
        make_user("alice")
        client_id = documents.url("/impostor.json")
        body = {**claude_document(), "client_id": documents.url("/someone-else.json")}
        documents.replies["/impostor.json"] = Reply(body=json.dumps(body).encode())
        assert_refused(authorize(live_server, client_id, CLAUDE_CALLBACKS[0]))
        assert not Application.objects.exists()

    def test_a_callback_not_in_the_document(self, live_server, documents):
        make_user("alice")
        client_id = documents.document("/claude.json", claude_document())
        for callback in (
            CHATGPT_CALLBACK,
            "https://claude.ai/api/mcp/auth_callback/../x",
            "https://claude.ai.evil.example/api/mcp/auth_callback",
            "http://claude.ai/api/mcp/auth_callback",
            "https://claude.ai/api/mcp/auth_callback2",
        ):
            assert_refused(authorize(live_server, client_id, callback))

    def test_a_callback_that_registration_would_refuse(self, live_server, documents):
        make_user("alice")
        client_id = documents.document("/http.json", claude_document(redirect_uris=["http://evil.example/cb"]))
        assert_refused(authorize(live_server, client_id, "http://evil.example/cb"))

    def test_chatgpt_connector_callbacks_in_a_document(self, live_server, documents):
        make_user("alice")
        callbacks = ["https://chatgpt.com/connector_platform_oauth_redirect", CHATGPT_CALLBACK]
        client_id = documents.document("/chatgpt.json", claude_document(client_name="ChatGPT", redirect_uris=callbacks))
        for callback in callbacks:
            assert authorize(live_server, client_id, callback).status_code == HTTPStatus.OK
        for callback in (
            "https://chatgpt.com/connector/oauth/c_other",
            "https://chatgpt.com.evil.example/connector/oauth/c_5f2a9e",
            "https://chatgpt.com/connector/oauth/c_5f2a9e/../x",
        ):
            assert_refused(authorize(live_server, client_id, callback))
