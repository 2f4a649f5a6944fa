"""The one answer to "where does ChatGPT reach this server?", for the schema, OAuth pages, setup and MCP."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import reverse
from rest_framework.request import Request

from gptactions.conf import conf

# Where the server is when neither PUBLIC_BASE_URL nor a request says (`manage.py spectacular`, checks).
LOCAL_BASE_URL = "http://127.0.0.1:8000"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def public_base_url(request: HttpRequest | Request | None) -> str:
    """The URL ChatGPT reaches this server at, without a trailing slash.

    PUBLIC_BASE_URL when set (a tunnel sets it), else the request's own host as https (ChatGPT
    only calls https; a proxy in front terminates TLS), else LOCAL_BASE_URL. Loopback hosts keep
    http, so that /api/docs/ can try requests against a local `runserver`. Callers without a
    request (commands, checks) pass None.
    """
    if conf.PUBLIC_BASE_URL:
        return conf.PUBLIC_BASE_URL
    if request is None:
        return LOCAL_BASE_URL
    host = request.get_host()
    scheme = "http" if split_domain_port(host)[0] in LOOPBACK_HOSTS else "https"
    return f"{scheme}://{host}"


def command_base_url(*, base_url: str | None = None, port: int | None = None) -> tuple[str, bool]:
    """For a command, which has no request: the URL and whether it was configured (ChatGPT may reach it).

    --base-url (base_url) when given, else PUBLIC_BASE_URL, else this server on loopback at port
    (default LOCAL_BASE_URL's 8000): a command cannot know which port the running server took.
    """
    if base_url or conf.PUBLIC_BASE_URL:
        return (base_url or conf.PUBLIC_BASE_URL).rstrip("/"), True
    return (f"http://127.0.0.1:{port}" if port else LOCAL_BASE_URL), False


def assumed_address_note(base_url: str) -> str:
    """What a command says when it fell back on the local address (command_base_url's False)."""
    return (
        f"These URLs assume this server runs on {base_url}: pass --port N if it runs on another port, "
        "or --base-url https://… (or set PUBLIC_BASE_URL) for the address ChatGPT reaches."
    )


def oauth_endpoints(base_url: str) -> dict[str, str]:
    """The authorization and token endpoints, absolute on base_url (OpenAPI's field names)."""
    return {
        "authorizationUrl": base_url + reverse("oauth2_provider:authorize"),
        "tokenUrl": base_url + reverse("oauth2_provider:token"),
    }
