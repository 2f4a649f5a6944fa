"""Drive the OAuth flow as ChatGPT and a person's browser do, over real HTTP against live_server."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from django.test import Client
from oauth2_provider.models import AbstractApplication
from requests_oauthlib import OAuth2Session

from tests.factories import ALL_SCOPES, PASSWORD

GPT_CALLBACK = "https://chatgpt.com/aip/g-test123/oauth/callback"


class FormParser(HTMLParser):
    """Every form on a page: its action and its named inputs and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action") or "", "fields": {}, "buttons": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif tag == "button" and self.forms and attributes.get("name"):
            self.forms[-1]["buttons"][attributes["name"]] = attributes.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class UserAgent:
    """A person's browser: keeps cookies, never follows a redirect on its own."""

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update(headers or {})

    def get(self, url: str) -> requests.Response:
        return self.session.get(urljoin(self.base_url, url), allow_redirects=False, timeout=10)

    def post(self, url: str, data: dict[str, str]) -> requests.Response:
        return self.session.post(urljoin(self.base_url, url), data=data, allow_redirects=False, timeout=10)

    def submit(self, page: requests.Response, *, form_index: int = -1, button: str | None = None) -> requests.Response:
        form = forms_of(page.text)[form_index]
        data = dict(form["fields"])
        if button:
            data[button] = form["buttons"][button]
        return self.post(urljoin(page.url, form["action"]), data)

    def sign_in(self, username: str, password: str = PASSWORD, next_url: str = "/oauth/connected/") -> None:
        page = self.get(f"/oauth/login/?next={next_url}")
        data = {**forms_of(page.text)[-1]["fields"], "username": username, "password": password}
        response = self.post(page.url, data)
        assert response.status_code == 302, response.text

    def authorize(
        self, authorization_url: str, *, username: str = "alice", password: str = PASSWORD, allow: bool | None = True
    ) -> str:
        """Open the authorization URL, sign in if asked, answer the consent page; returns the redirect."""
        response = self.get(authorization_url)
        if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/oauth/login/":
            login_page = self.get(response.headers["Location"])
            data = {**forms_of(login_page.text)[-1]["fields"], "username": username, "password": password}
            signed_in = self.post(login_page.url, data)
            assert signed_in.status_code == 302, signed_in.text
            response = self.get(signed_in.headers["Location"])
        if response.status_code == 302 or allow is None:
            return response.headers.get("Location", "")  # no consent asked (returning user), or no answer
        assert response.status_code == 200, response.text
        answer = self.submit(response, button="allow" if allow else None)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@dataclass
class Gpt:
    """A registered GPT client and the server's URLs, as the builder pasted them into the GPT editor."""

    client_id: str
    client_secret: str
    base_url: str

    @property
    def authorization_url(self) -> str:
        return f"{self.base_url}/oauth/authorize/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth/token/"

    def session(self, scope: list[str] | None = None, **kwargs: object) -> OAuth2Session:
        return OAuth2Session(self.client_id, redirect_uri=GPT_CALLBACK, scope=scope, **kwargs)


def connect(client: Client, application: AbstractApplication, client_secret: str, scope: str = ALL_SCOPES) -> dict:
    """Run the flow with Django's test client as a signed-in browser; returns the token response."""
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": GPT_CALLBACK,
        "scope": scope,
        "state": "state-1",
    }
    response = client.get("/oauth/authorize/", params)
    if response.status_code == 200:
        response = client.post(
            "/oauth/authorize/", {**forms_of(response.content.decode())[-1]["fields"], "allow": "true"}
        )
    code = query_of(response["Location"])["code"]
    token = client.post(
        "/oauth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": GPT_CALLBACK,
            "client_id": application.client_id,
            "client_secret": client_secret,
        },
    )
    assert token.status_code == 200, token.content
    return token.json()
