"""The official SDK's OAuthClientProvider against live_server: discovery, registration, PKCE, resource, consent."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from oauth2_provider.models import AccessToken, Application

from items.models import Item
from tests.factories import ALL_SCOPES, make_user
from tests.helpers.mcp import SUITE_TOOL_NAMES, Transcript, oauth_provider, with_oauth_client
from tests.helpers.oauth import UserAgent

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://127.0.0.1:33418/callback"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def registration_on(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": True}


class Person:
    """The user at the browser: signs in and answers the consent page when the client opens the authorize URL."""

    def __init__(self, base_url: str, *, narrow_scope: str | None = None) -> None:
        self.browser = UserAgent(base_url)
        self.narrow_scope = narrow_scope  # the scope the person's grant is cut down to, like a read-only grant
        self.authorization_urls: list[str] = []
        self.callback = ""

    async def redirect_handler(self, authorization_url: str) -> None:
        self.authorization_urls.append(authorization_url)
        if self.narrow_scope and len(self.authorization_urls) == 1:
            parts = urlsplit(authorization_url)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()} | {"scope": self.narrow_scope}
            authorization_url = parts._replace(
                query=requests.models.RequestEncodingMixin._encode_params(query)
            ).geturl()
        allow = len(self.authorization_urls) == 1  # a second request (a scope step-up) is denied
        self.callback = self.browser.authorize(authorization_url, allow=allow)

    async def callback_handler(self) -> AuthorizationCodeResult:
        query = {name: values[0] for name, values in parse_qs(urlsplit(self.callback).query).items()}
        if "code" not in query:
            raise PermissionError(query.get("error", "no code"))
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


def provider(mcp_url: str, person: Person) -> OAuthClientProvider:
    return oauth_provider(mcp_url, person, client_name="SDK test client", callback=CALLBACK)


def test_the_sdk_client_registers_authorizes_and_calls_every_tool(live_server, registration_on):
    alice = make_user("alice")
    mcp_url = f"{live_server.url}/mcp"
    person = Person(live_server.url)
    transcript = Transcript()

    async def session(client: Client):
        tools = await client.list_tools()
        created = await client.call_tool("create_item", {"name": "Claude", "price": 18})
        item_id = created.structured_content["id"]
        return tools, [
            created,
            await client.call_tool("get_item", {"id": item_id}),
            await client.call_tool("update_item", {"id": item_id, "tax": 1.5}),
            await client.call_tool("list_items", {}),
            await client.call_tool("delete_item", {"id": item_id}),
        ]

    tools, results = with_oauth_client(mcp_url, session, auth=provider(mcp_url, person), transcript=transcript)

    assert [tool.name for tool in tools.tools] == SUITE_TOOL_NAMES
    assert [result.is_error for result in results] == [False] * 5
    assert results[2].structured_content["tax"] == 1.5
    assert results[3].structured_content["count"] == 1
    assert not Item.objects.filter(owner=alice).exists()
    # What the client did, in order: the challenge, both metadata documents, registration, the token, the call.
    base = live_server.url
    assert transcript.lines[:6] == [
        f"POST {base}/mcp -> 401",
        f"GET {base}/.well-known/oauth-protected-resource/mcp -> 200",
        f"GET {base}/.well-known/oauth-authorization-server -> 200",
        f"POST {base}/oauth/register/ -> 201",
        f"POST {base}/oauth/token/ -> 200",
        f"POST {base}/mcp -> 200",
    ]
    authorization = parse_qs(urlsplit(person.authorization_urls[0]).query)
    assert authorization["code_challenge_method"] == ["S256"] and authorization["resource"] == [mcp_url]
    application = Application.objects.get(name="SDK test client")
    assert application.registration_source == Application.RegistrationSource.DCR
    token = AccessToken.objects.get(application=application, user=alice)  # beside DCR's registration token
    assert token.resource == [mcp_url] and set(token.scope.split()) == set(ALL_SCOPES.split())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "mcp-oauth-transcript.txt").write_text("\n".join(transcript.lines) + "\n")


def test_a_read_only_grant_gets_insufficient_scope_on_a_write_tool(live_server, registration_on):
    make_user("alice")
    mcp_url = f"{live_server.url}/mcp"
    person = Person(live_server.url, narrow_scope="items:read")
    transcript = Transcript()

    listed = []

    async def session(client: Client):
        listed.extend((await client.list_tools()).tools)
        await client.call_tool("create_item", {"name": "x", "price": 1})

    with pytest.raises(ExceptionGroup) as raised:  # the person denies the step-up authorization
        with_oauth_client(mcp_url, session, auth=provider(mcp_url, person), transcript=transcript)

    assert raised.group_contains(PermissionError, match="access_denied", depth=None)
    assert len(listed) == len(SUITE_TOOL_NAMES)
    assert f"POST {live_server.url}/mcp -> 403" in transcript.lines
    # The SDK asks again, for the scope named in the 403's challenge (RFC 6750 step-up).
    step_up = parse_qs(urlsplit(person.authorization_urls[1]).query)
    assert "items:write" in step_up["scope"][0].split()
    assert not Item.objects.exists()
