"""The GPT Action rules (OpenAI's Actions docs), as system checks: `manage.py check` and `action_setup` run them.

Warnings, not errors: a local server without a public URL is normal while developing.
"""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning

from gptactions.conf import conf
from gptactions.schema import MAX_OPERATION_TEXT, MAX_PARAMETER_TEXT
from gptsetup.selectors import action_schema

MAX_OPERATIONS = 30
MAX_SCHEMA_CHARACTERS = 100_000
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
PUBLIC_URL_HINT = "Run `python manage.py tunnel`, or set PUBLIC_BASE_URL to the server's public https URL."


def lint_public_url(url: str, *, setting: str = "PUBLIC_BASE_URL") -> list[CheckMessage]:
    """ChatGPT calls only public https on port 443, by domain name: no localhost, no IP address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    messages: list[CheckMessage] = []
    if parts.scheme != "https":
        messages.append(
            CheckWarning(
                f"{setting} {url!r} is not https: ChatGPT calls Actions only over https.",
                hint="Use the https:// address of your tunnel or domain. " + PUBLIC_URL_HINT,
                id="gptsetup.W002",
            )
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        kind = "a private" if address.is_private or address.is_loopback or address.is_link_local else "an"
        messages.append(
            CheckWarning(
                f"{setting} {url!r} uses {kind} IP address: ChatGPT refuses IP addresses.",
                hint="Use a domain name. " + PUBLIC_URL_HINT,
                id="gptsetup.W003",
            )
        )
    elif host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host:
        messages.append(
            CheckWarning(
                f"{setting} {url!r} names a local host: ChatGPT cannot reach {host!r}.",
                hint=PUBLIC_URL_HINT,
                id="gptsetup.W005",
            )
        )
    if parts.port not in (None, 443):
        messages.append(
            CheckWarning(
                f"{setting} {url!r} has port {parts.port}: ChatGPT calls only port 443.",
                hint="Drop the port and serve https on 443 (a tunnel does).",
                id="gptsetup.W004",
            )
        )
    return messages


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, path_item in schema.get("paths", {}).items()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    ]


def lint_schema(schema: dict[str, Any]) -> list[CheckMessage]:
    """The GPT editor's limits on the schema itself, and OAuth URLs on the API's host."""
    messages: list[CheckMessage] = []
    operations = _operations(schema)
    for method, path, operation in operations:
        if not operation.get("operationId"):
            messages.append(
                CheckWarning(
                    f"{method} {path} has no operationId: the GPT cannot name it.",
                    hint="Give it one with extend_schema(operation_id=...), a camelCase verb such as listItems.",
                    id="gptsetup.W010",
                )
            )
        for key in ("summary", "description"):
            text = operation.get(key) or ""
            if len(text) > MAX_OPERATION_TEXT:
                messages.append(
                    CheckWarning(
                        f"The {key} of {method} {path} has {len(text)} characters; the GPT editor allows "
                        f"{MAX_OPERATION_TEXT}.",
                        hint=f"Shorten it in extend_schema({key}=...) to {MAX_OPERATION_TEXT} characters or fewer.",
                        id="gptsetup.W012",
                    )
                )
        for parameter in operation.get("parameters", []):
            text = parameter.get("description") or ""
            if len(text) > MAX_PARAMETER_TEXT:
                messages.append(
                    CheckWarning(
                        f"The description of parameter {parameter.get('name')!r} of {method} {path} has "
                        f"{len(text)} characters; the GPT editor allows {MAX_PARAMETER_TEXT}.",
                        hint=f"Shorten it in OpenApiParameter(description=...) to {MAX_PARAMETER_TEXT} characters.",
                        id="gptsetup.W013",
                    )
                )
    counts = Counter(operation.get("operationId") for _, _, operation in operations)
    for operation_id, count in sorted(counts.items(), key=lambda pair: str(pair[0])):
        if operation_id and count > 1:
            messages.append(
                CheckWarning(
                    f"operationId {operation_id!r} is used by {count} operations; each must be unique.",
                    hint="Rename all but one with extend_schema(operation_id=...).",
                    id="gptsetup.W011",
                )
            )
    if len(operations) > MAX_OPERATIONS:
        messages.append(
            CheckWarning(
                f"The schema has {len(operations)} operations; a GPT Action takes at most {MAX_OPERATIONS}.",
                hint="Leave some out with extend_schema(exclude=True), or split them into several Actions.",
                id="gptsetup.W014",
            )
        )
    size = len(json.dumps(schema, ensure_ascii=False))
    if size >= MAX_SCHEMA_CHARACTERS:
        messages.append(
            CheckWarning(
                f"The schema has {size:,} characters; the GPT editor takes under {MAX_SCHEMA_CHARACTERS:,}.",
                hint="Shorten descriptions and examples, or leave operations out with extend_schema(exclude=True).",
                id="gptsetup.W015",
            )
        )
    messages.extend(_lint_oauth_hosts(schema))
    return messages


def _lint_oauth_hosts(schema: dict[str, Any]) -> list[CheckMessage]:
    servers = schema.get("servers") or [{}]
    api_host = urlsplit(servers[0].get("url", "")).hostname
    messages: list[CheckMessage] = []
    for name, scheme in schema.get("components", {}).get("securitySchemes", {}).items():
        for flow in scheme.get("flows", {}).values():
            for key in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                url = flow.get(key)
                if url and urlsplit(url).hostname != api_host:
                    messages.append(
                        CheckWarning(
                            f"The {key} of {name!r} ({url}) is not on the API's host ({api_host}): "
                            "the GPT editor requires OAuth URLs on the same domain as the API.",
                            hint="Serve /oauth/ from this server and build its URLs on PUBLIC_BASE_URL.",
                            id="gptsetup.W016",
                        )
                    )
    return messages


def lint_action(schema: dict[str, Any], *, public_url: str, require_public_url: bool = True) -> list[CheckMessage]:
    """All GPT Action rules for a generated schema and the public URL ("" when none is configured).

    Without PUBLIC_BASE_URL the schema names the requesting host, which is right behind a proxy with
    its own domain: only callers that print URLs for the GPT editor (action_setup, the setup page) require it.
    """
    if public_url:
        messages = lint_public_url(public_url)
    elif require_public_url:
        messages = [
            CheckWarning(
                "PUBLIC_BASE_URL is not set: the schema and the setup values name this server's local address, "
                "which ChatGPT cannot reach.",
                hint=PUBLIC_URL_HINT,
                id="gptsetup.W001",
            )
        ]
    else:
        messages = []
    return messages + lint_schema(schema)


@register("gpt_action")
def check_gpt_action(**kwargs: Any) -> list[CheckMessage]:
    return lint_action(action_schema(None), public_url=conf.PUBLIC_BASE_URL, require_public_url=False)
