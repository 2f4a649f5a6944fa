"""RFC 7591 dynamic client registration for MCP clients, and the callback URLs MCP clients use."""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.http import HttpResponse
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from tests.factories import make_gpt_client, make_user
from tests.helpers.oauth import GPT_CALLBACK, forms_of

pytestmark = pytest.mark.django_db

REGISTER = "/oauth/register/"
CHATGPT = "https://chatgpt.com/connector_platform_oauth_redirect"
CLAUDE = "https://claude.ai/api/mcp/auth_callback"


@pytest.fixture
def registration_on(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": True}


def register(client: Client, **metadata):
    body = {"client_name": "Claude", "redirect_uris": [CLAUDE], "token_endpoint_auth_method": "none", **metadata}
    return client.post(REGISTER, json.dumps(body), content_type="application/json")


def test_registration_is_off_by_default(client):
    assert register(client).status_code == HTTPStatus.NOT_FOUND
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert "registration_endpoint" not in metadata
    assert not Application.objects.exists()


def test_a_public_client_registers_and_shows_in_the_admin(client, admin_client, registration_on):
    response = register(client)

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert body["token_endpoint_auth_method"] == "none" and "client_secret" not in body
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    application = Application.objects.get(client_id=body["client_id"])
    assert application.client_type == Application.CLIENT_PUBLIC
    assert application.registration_source == Application.RegistrationSource.DCR
    changelist = admin_client.get("/admin/oauth2_provider/application/?registration_source__exact=dcr")
    assert application.client_id in changelist.content.decode()
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["registration_endpoint"] == "http://testserver/oauth/register/"
    assert metadata["code_challenge_methods_supported"] == ["S256"]


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"grant_types": ["implicit"], "response_types": ["token"]}, "invalid_client_metadata"),
        ({"grant_types": ["authorization_code", "password"]}, "invalid_client_metadata"),
        ({"response_types": ["token"]}, "invalid_client_metadata"),
        ({"redirect_uris": ["http://evil.example/callback"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://*.example.com/callback"]}, "invalid_redirect_uri"),
    ],
)
def test_only_authorization_code_with_acceptable_callbacks_registers(client, registration_on, metadata, error):
    response = register(client, **metadata)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == error and response.json()["error_description"]
    assert not Application.objects.exists()


def test_registrations_are_rate_limited(client, registration_on):
    statuses = [register(client).status_code for _ in range(21)]

    assert statuses[:20] == [HTTPStatus.CREATED] * 20
    assert statuses[20] == HTTPStatus.TOO_MANY_REQUESTS
    assert Application.objects.count() == 20


def authorize_as_alice(client: Client, client_id: str, redirect_uri: str = CLAUDE, **params: str):
    client.force_login(make_user("alice"))
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": "s", **params}
    return client.get("/oauth/authorize/", query)


def test_a_registered_confidential_client_must_still_use_pkce(client, registration_on):
    body = register(client, token_endpoint_auth_method="client_secret_post").json()

    response = authorize_as_alice(client, body["client_id"])

    assert response.status_code == HTTPStatus.FOUND
    assert "error=invalid_request" in response["Location"]
    assert "Code+challenge+required" in response["Location"]


def test_the_consent_page_marks_the_registered_name_as_self_declared(client, registration_on):
    body = register(client, client_name="Totally Official Bank").json()

    page = authorize_as_alice(
        client,
        body["client_id"],
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method="S256",
    ).content.decode()

    assert "Totally Official Bank" in page
    assert "This app registered itself and chose this name: this server has not checked it." in page
    assert forms_of(page)


CLAUDE_COM = "https://claude.com/api/mcp/auth_callback"
CHATGPT_CONNECTOR = "https://chatgpt.com/connector/oauth/AbC123_-x"


@pytest.mark.parametrize(
    ("callback", "registered"),
    [
        (CHATGPT, CHATGPT),
        (CHATGPT_CONNECTOR, CHATGPT_CONNECTOR),
        # Claude moves from claude.ai to claude.com: the admin registers its callback on both hosts.
        (CLAUDE, f"{CLAUDE} {CLAUDE_COM}"),
        (CLAUDE_COM, f"{CLAUDE} {CLAUDE_COM}"),
        ("http://127.0.0.1:33418/callback", "http://127.0.0.1:33418/callback"),
    ],
)
def test_mcp_clients_callbacks_are_accepted_by_the_admin_and_registration(
    admin_client, client, callback, registered, settings
):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": True}
    added = admin_client.post(
        "/admin/oauth2_provider/application/add/", {"name": "Connector", "redirect_uris": callback, "user": ""}
    )
    assert added.status_code == HTTPStatus.FOUND
    assert Application.objects.get(name="Connector").redirect_uris == registered
    response = register(client, redirect_uris=[callback])
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["redirect_uris"] == [callback]  # a client registers what it names, nothing more


@pytest.mark.parametrize(
    "callback",
    [
        "https://chatgpt.com/connector/oauth/../x",
        "https://chatgpt.com/connector/oauth/./AbC123",
        "http://chatgpt.com/connector/oauth/AbC123",
        "http://claude.ai/api/mcp/auth_callback",
    ],
)
def test_dot_segments_and_http_are_refused_by_the_admin_and_registration(admin_client, client, callback, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": True}
    added = admin_client.post(
        "/admin/oauth2_provider/application/add/", {"name": "Connector", "redirect_uris": callback, "user": ""}
    )
    assert added.status_code == HTTPStatus.OK  # the form again, with the error
    response = register(client, redirect_uris=[callback])
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"] == "invalid_redirect_uri"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "callback",
    [
        "https://chatgpt.com.evil.example/connector/oauth/AbC123_-x",
        "https://chatgpt.com/connector/oauth/AbC123_-x/../x",
        "https://chatgpt.com/connector/oauth/AbC123_-x/",
        "https://chatgpt.com/connector/oauth/AbC123",
        "http://chatgpt.com/connector/oauth/AbC123_-x",
        "https://chatgpt.com/connector_platform_oauth_redirect/x",
        "https://chatgpt.com/connector_platform_oauth_redirect?x=1",
        "https://claude.ai/api/mcp/auth_callback/../../x",
        "https://claude.ai.evil.example/api/mcp/auth_callback",
        "https://CLAUDE.ai:444/api/mcp/auth_callback",
    ],
)
def test_only_the_exact_registered_callbacks_are_used(client, registration_on, callback):
    body = register(client, redirect_uris=[CHATGPT, CHATGPT_CONNECTOR, CLAUDE, CLAUDE_COM]).json()
    challenge = {"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}

    client.force_login(make_user("alice"))

    def authorize(redirect_uri: str):
        query = {"response_type": "code", "client_id": body["client_id"], "redirect_uri": redirect_uri, **challenge}
        return client.get("/oauth/authorize/", query)

    response = authorize(callback)
    assert response.status_code == HTTPStatus.BAD_REQUEST  # the error page: never a redirect to that URL
    assert "This sign-in link does not work" in response.content.decode()
    for exact in (CHATGPT, CHATGPT_CONNECTOR, CLAUDE, CLAUDE_COM):
        assert authorize(exact).status_code == HTTPStatus.OK


def test_a_gpt_clients_name_is_not_marked_self_declared(client):
    application, _ = make_gpt_client("Recipe GPT", callback_urls=(GPT_CALLBACK,))

    page = authorize_as_alice(client, application.client_id, GPT_CALLBACK).content.decode()

    assert "Recipe GPT" in page and "registered itself" not in page


def management(client: Client, registration: dict, method: str, **metadata: object) -> HttpResponse:
    """RFC 7592's request to the registration's own URI, with its registration access token."""
    return getattr(client, method)(
        registration["registration_client_uri"],
        json.dumps(metadata) if metadata else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {registration['registration_access_token']}"},
    )


OMITTED = object()  # an omitted client_name resets the name (RFC 7592 section 2.2): a rename too


def stored(client_id: str) -> tuple[str, str, str, str]:
    application = Application.objects.get(client_id=client_id)
    return (application.name, application.redirect_uris, application.authorization_grant_type, application.client_type)


class RegistrationManagementTests:
    """RFC 7592: a registered client updates its registration under registration's rules (issue 21, finding 5)."""

    @pytest.fixture
    def registration(self, client, registration_on) -> dict:
        body = register(client, token_endpoint_auth_method="client_secret_post").json()
        body["metadata"] = {
            "client_name": body["client_name"],
            "redirect_uris": body["redirect_uris"],
            "grant_types": body["grant_types"],
            "token_endpoint_auth_method": "client_secret_post",
        }
        return body

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri"),
            ({"client_name": "ChatGPT"}, "invalid_client_metadata"),
            ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
            ({"grant_types": ["authorization_code", "password"]}, "invalid_client_metadata"),
            ({"response_types": ["token"]}, "invalid_client_metadata"),
            ({"client_name": OMITTED}, "invalid_client_metadata"),
        ],
        ids=["http-callback", "rename", "client-credentials", "password", "token-response", "name-omitted"],
    )
    def test_an_update_outside_the_registration_rules_returns_400_and_changes_nothing(
        self, client, registration, change, error
    ):
        before = stored(registration["client_id"])
        merged = {**registration["metadata"], **change}
        metadata = {key: value for key, value in merged.items() if value is not OMITTED}

        response = management(client, registration, "put", **metadata)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["error"] == error and response.json()["error_description"]
        assert stored(registration["client_id"]) == before
        assert management(client, registration, "get").status_code == HTTPStatus.OK  # its token still works

    def test_a_refused_client_credentials_update_gets_no_token(self, client, registration):
        management(client, registration, "put", **{**registration["metadata"], "grant_types": ["client_credentials"]})

        response = client.post(
            "/oauth/token/",
            {
                "grant_type": "client_credentials",
                "client_id": registration["client_id"],
                "client_secret": registration["client_secret"],
            },
        )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json() == {"error": "unauthorized_client"}
        # Only the registration access token: no client_credentials token was issued.
        assert AccessToken.objects.filter(application__client_id=registration["client_id"]).count() == 1

    def test_an_update_within_the_rules_is_stored(self, client, registration):
        response = management(
            client, registration, "put", **{**registration["metadata"], "redirect_uris": [CLAUDE, CHATGPT]}
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert body["redirect_uris"] == [CLAUDE, CHATGPT] and body["client_name"] == "Claude"
        assert stored(registration["client_id"])[:3] == ("Claude", f"{CLAUDE} {CHATGPT}", "authorization-code")

    def test_an_update_needs_the_clients_own_registration_token(self, client, registration):
        other = register(client).json()
        metadata = {**registration["metadata"], "redirect_uris": ["http://evil.example/cb"]}

        response = management(
            client, {**registration, "registration_access_token": other["registration_access_token"]}, "put", **metadata
        )

        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_the_client_deletes_its_registration_with_its_token(self, client, registration):
        other = register(client).json()
        refused = management(
            client, {**registration, "registration_access_token": other["registration_access_token"]}, "delete"
        )
        assert refused.status_code == HTTPStatus.UNAUTHORIZED
        assert Application.objects.filter(client_id=registration["client_id"]).exists()

        response = management(client, registration, "delete")

        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not Application.objects.filter(client_id=registration["client_id"]).exists()


class SignInPageSelfDeclaredTests:
    """The sign-in page that leads to the consent page names the client with the consent page's warning."""

    def sign_in_page(self, client: Client, client_id: str) -> str:
        next_url = "/oauth/authorize/?" + urlencode({"client_id": client_id, "response_type": "code"})
        response = client.get("/oauth/login/", {"next": next_url})
        assert response.status_code == HTTPStatus.OK
        return response.content.decode()

    def test_a_registered_client_is_marked_self_declared(self, client, registration_on):
        body = register(Client(), client_name="Totally Official Bank").json()

        page = self.sign_in_page(client, body["client_id"])

        assert "To connect Totally Official Bank" in page
        assert "This app registered itself and chose this name: this server has not checked it." in page

    def test_a_metadata_document_client_names_its_host(self, client):
        application, _ = make_gpt_client("Claude", callback_urls=(CLAUDE,))
        Application.objects.filter(pk=application.pk).update(
            client_id="https://docs.example.com/client.json",
            registration_source=Application.RegistrationSource.CIMD,
        )

        page = self.sign_in_page(client, "https://docs.example.com/client.json")

        assert "To connect Claude" in page
        assert 'a document on <strong class="metadata-host">docs.example.com</strong>' in page

    def test_a_gpt_client_is_not_marked(self, client):
        application, _ = make_gpt_client("Recipe GPT", callback_urls=(GPT_CALLBACK,))

        page = self.sign_in_page(client, application.client_id)

        assert "To connect Recipe GPT" in page and "registered itself" not in page and "self-declared" not in page
