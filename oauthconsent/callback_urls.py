"""Callback URLs of GPT clients: what may be registered, and each GPT callback on both ChatGPT hosts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A GPT's callback URL, as the GPT editor shows it once the Action is saved:
# https://chatgpt.com/aip/g-<id>/oauth/callback (older GPTs: https://chat.openai.com/aip/…).
GPT_CALLBACK_HOSTS = ("chatgpt.com", "chat.openai.com")
_GPT_CALLBACK_PATH = re.compile(r"^/aip/[A-Za-z0-9_-]+/oauth/callback$")
# MCP connectors' callbacks (issue 19), each an ordinary https URL, matched exactly. ChatGPT:
# https://chatgpt.com/connector_platform_oauth_redirect and, per connector, https://chatgpt.com/connector/oauth/<id>.
# Claude: https://claude.ai/api/mcp/auth_callback, and https://claude.com/api/mcp/auth_callback once it moves:
# the admin registers a Claude callback on both hosts.
CLAUDE_CALLBACK_HOSTS = ("claude.ai", "claude.com")
CLAUDE_CALLBACK_PATH = "/api/mcp/auth_callback"
CLAUDE_CALLBACKS = tuple(f"https://{host}{CLAUDE_CALLBACK_PATH}" for host in CLAUDE_CALLBACK_HOSTS)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
EXAMPLE_CALLBACK = "https://chatgpt.com/aip/g-…/oauth/callback"


def is_gpt_callback(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and parts.hostname in GPT_CALLBACK_HOSTS
        and parts.port is None
        and not parts.query
        and bool(_GPT_CALLBACK_PATH.match(parts.path))
    )


def callback_url_check(url: str) -> None:
    """Raise ValidationError, in words a GPT builder understands, unless url can be a callback URL."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        parts = None
    if parts is None or not parts.scheme or not parts.hostname or any(char.isspace() for char in url):
        raise ValidationError(
            _("“%(url)s” is not a URL. Paste the Callback URL the GPT editor shows, like %(example)s."),
            params={"url": url, "example": EXAMPLE_CALLBACK},
            code="not_a_url",
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValidationError(
            _("“%(url)s” uses http. Callback URLs must use https; http is accepted only for localhost and 127.0.0.1."),
            params={"url": url},
            code="http",
        )
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            _("“%(url)s” is not a web address. Callback URLs start with https://."),
            params={"url": url},
            code="scheme",
        )
    if "#" in url:
        raise ValidationError(
            _("“%(url)s” contains a fragment (#…), which callback URLs may not have."),
            params={"url": url},
            code="fragment",
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("“%(url)s” contains a user name or password, which callback URLs may not have."),
            params={"url": url},
            code="userinfo",
        )
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        # A browser would resolve /connector/oauth/../x to another path than the one registered.
        raise ValidationError(
            _("“%(url)s” contains a . or .. segment. Register the callback URL exactly as the client shows it."),
            params={"url": url},
            code="dot_segment",
        )
    if "*" in parts.netloc:
        raise ValidationError(
            _("“%(url)s” contains a wildcard. Register each callback URL exactly."),
            params={"url": url},
            code="wildcard",
        )
    if parts.hostname in GPT_CALLBACK_HOSTS and parts.path.startswith("/gpts/"):
        raise ValidationError(
            _(
                "“%(url)s” is the address of the GPT editor, not the callback URL. Save the Action, "
                "then copy the Callback URL shown under Authentication, like %(example)s."
            ),
            params={"url": url, "example": EXAMPLE_CALLBACK},
            code="gpt_editor",
        )


def callback_urls_clean(urls: Iterable[str]) -> list[str]:
    """Checked callback URLs, each GPT callback on both ChatGPT hosts and Claude's on both of its, without duplicates.

    Raises one ValidationError listing every URL that is refused.
    """
    cleaned: list[str] = []
    errors: list[ValidationError] = []
    for url in (url.strip() for url in urls):
        if not url:
            continue
        try:
            callback_url_check(url)
        except ValidationError as error:
            errors.append(error)
            continue
        if is_gpt_callback(url):
            path = urlsplit(url).path
            cleaned.extend(f"https://{host}{path}" for host in GPT_CALLBACK_HOSTS)
        elif url in CLAUDE_CALLBACKS:
            cleaned.extend(CLAUDE_CALLBACKS)
        else:
            cleaned.append(url)
    if errors:
        raise ValidationError(errors)
    return list(dict.fromkeys(cleaned))
