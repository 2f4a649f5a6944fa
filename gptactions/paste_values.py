"""What a builder types into the GPT editor for an auth style, field by field (presentation).

One source for `create_api_key`, `register_gpt_client`, `action_setup`, the tunnel, the admin's
shown-once pages and its setup page. Values are data; each reader lays them out its own way.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from oauth2_provider.models import AbstractApplication
from oauth2_provider.scopes import get_scopes_backend

from gptactions.auth_styles import AuthStyle
from gptactions.conf import conf
from gptactions.public_url import oauth_endpoints

# The GPT editor's "Token Exchange Method" choice; the token endpoint accepts both
# client_secret_post (this one) and client_secret_basic ("Basic authorization header").
TOKEN_EXCHANGE_METHOD = "Default (POST request)"


@dataclass(frozen=True)
class PasteValue:
    label: str  # the GPT editor's field
    value: str
    literal: bool = True  # False: an instruction to follow, not text to paste


def paste_values(
    style: AuthStyle,
    *,
    base_url: str,
    raw_key: str | None = None,
    application: AbstractApplication | None = None,
    client_secret: str | None = None,
) -> list[PasteValue]:
    """style's fields on base_url; a credential not given becomes an instruction saying where to get it."""
    if style.uses_api_key:
        values = _api_key_values(style, base_url=base_url, raw_key=raw_key)
    else:
        values = _oauth_values(base_url=base_url, application=application, client_secret=client_secret)
    return [values[field] for field in style.fields]


def _api_key_values(style: AuthStyle, *, base_url: str, raw_key: str | None) -> dict[str, PasteValue]:
    if raw_key is not None:
        shown = base64.b64encode(raw_key.encode()).decode() if style.name == "basic" else raw_key
        api_key = PasteValue("API Key", shown)
    elif style.name == "basic":
        api_key = PasteValue(
            "API Key",
            _(
                "the base64 of an API key, as `python manage.py create_api_key USERNAME` prints it; "
                "or: printf %s KEY | base64"
            ),
            literal=False,
        )
    else:
        api_key = PasteValue(
            "API Key",
            _("an API key: `python manage.py create_api_key USERNAME`, or add one at %(url)s")
            % {"url": base_url + reverse("admin:gptactions_apikey_add")},
            literal=False,
        )
    return {
        "API Key": api_key,
        "Auth Type": PasteValue("Auth Type", style.name.capitalize()),
        "Custom Header Name": PasteValue("Custom Header Name", conf.API_KEY_HEADER),
    }


def _oauth_values(
    *, base_url: str, application: AbstractApplication | None, client_secret: str | None
) -> dict[str, PasteValue]:
    endpoints = oauth_endpoints(base_url)
    if application is None:
        client_id = PasteValue("Client ID", _("see the GPT clients below"), literal=False)
    else:
        client_id = PasteValue("Client ID", application.client_id)
    if client_secret is None:
        secret = PasteValue("Client Secret", _("shown once, when the client was created"), literal=False)
    else:
        secret = PasteValue("Client Secret", client_secret)
    scopes = get_scopes_backend().get_default_scopes(application=application)
    return {
        "Client ID": client_id,
        "Client Secret": secret,
        "Authorization URL": PasteValue("Authorization URL", endpoints["authorizationUrl"]),
        "Token URL": PasteValue("Token URL", endpoints["tokenUrl"]),
        "Scope": PasteValue("Scope", " ".join(scopes)),
        "Token Exchange Method": PasteValue("Token Exchange Method", TOKEN_EXCHANGE_METHOD),
    }


def paste_lines(values: list[PasteValue], *, indent: str = "  ") -> list[str]:
    """Aligned `Label: value` lines for a terminal; instructions in parentheses."""
    width = max(len(value.label) for value in values) + 1
    return [
        f"{indent}{value.label + ':':<{width}} {value.value if value.literal else f'({value.value})'}"
        for value in values
    ]
