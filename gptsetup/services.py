"""What a GPT builder pastes into the GPT editor, computed from settings (and DOT's applications for OAuth)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.generators import SchemaGenerator
from oauth2_provider.models import AbstractApplication, get_application_model
from rest_framework.request import Request

from config.public_url import public_base_url
from items.conf import conf
from items.schema import SCHEME_NAMES
from oauthconsent.services import gpt_paste_values

# The editor's names for each style (Authentication > Auth Type, then API Key's own Auth Type).
AUTH_TYPE_LABELS = {
    "bearer": "API Key, Bearer",
    "basic": "API Key, Basic",
    "custom": "API Key, Custom",
    "oauth": "OAuth",
}


@dataclass(frozen=True)
class PasteValue:
    label: str  # the GPT editor's field
    value: str
    literal: bool = True  # False: an instruction to follow, not text to paste


@dataclass(frozen=True)
class ActionSetup:
    base_url: str
    base_url_configured: bool
    auth: str
    schema_url: str
    privacy_url: str
    auth_values: list[PasteValue]
    notes: list[str] = field(default_factory=list)

    @property
    def auth_label(self) -> str:
        return AUTH_TYPE_LABELS[self.auth]


def enabled_auth_styles() -> list[str]:
    return [style for style in conf.API_AUTH_STYLES if style in SCHEME_NAMES]


def action_schema(request: HttpRequest | None = None) -> dict[str, Any]:
    """The schema as /api/schema/ serves it (all enabled auth styles) to request's host, for the lint."""
    schema_request = None
    if request is not None:
        # A bare GET for the host alone: the page's own query (?auth=…) must not narrow the schema.
        bare = HttpRequest()
        bare.method = "GET"
        bare.META["HTTP_HOST"] = request.get_host()
        schema_request = Request(bare)
    return SchemaGenerator().get_schema(request=schema_request, public=True)


def oauth_clients() -> list[AbstractApplication]:
    """Authorization-code clients a GPT can use, newest first."""
    application = get_application_model()
    return list(
        application.objects.filter(authorization_grant_type=application.GRANT_AUTHORIZATION_CODE).order_by("-id")
    )


def oauth_paste_values(*, base_url: str, application: AbstractApplication | None) -> list[PasteValue]:
    """The GPT editor's OAuth fields (oauthconsent's values, which the client admin shows too)."""
    # Lines that describe what to type rather than being the text itself.
    instructions = {"Client Secret"} if application else {"Client Secret", "Client ID"}
    values = gpt_paste_values(application=application, base_url=base_url)
    return [
        # oauthconsent writes instructions in parentheses; PasteValue's readers add their own.
        PasteValue(label, value.strip("()"), literal=False) if label in instructions else PasteValue(label, value)
        for label, value in values.items()
    ]


def api_key_paste_values(*, auth: str, base_url: str) -> list[PasteValue]:
    """The GPT editor's API-key fields: the key itself comes from create_api_key or the admin."""
    if auth == "basic":
        how = _(
            "the base64 of an API key, as `python manage.py create_api_key USERNAME` prints it "
            "; or: printf %s KEY | base64"
        )
    else:
        how = _("an API key: `python manage.py create_api_key USERNAME`, or add one at %(url)s") % {
            "url": base_url + reverse("admin:items_apikey_add")
        }
    values = [PasteValue("API Key", how, literal=False), PasteValue("Auth Type", auth.capitalize())]
    if auth == "custom":
        values.append(PasteValue("Custom Header Name", conf.API_KEY_HEADER))
    return values


def action_setup(*, auth: str, application: AbstractApplication | None = None, request: Any = None) -> ActionSetup:
    """Everything to paste into the GPT editor for one auth style, on PUBLIC_BASE_URL (or the request's host)."""
    base_url = public_base_url(request)
    notes = []
    if auth == "oauth":
        auth_values = oauth_paste_values(base_url=base_url, application=application)
        notes.append(
            _(
                "After saving the Action, the editor shows a callback URL "
                "(https://chatgpt.com/aip/g-…/oauth/callback): add it to the client's redirect URIs in the admin."
            )
        )
    else:
        auth_values = api_key_paste_values(auth=auth, base_url=base_url)
    return ActionSetup(
        base_url=base_url,
        base_url_configured=bool(settings.PUBLIC_BASE_URL),
        auth=auth,
        schema_url=f"{base_url}{reverse('schema')}?auth={auth}",
        privacy_url=base_url + reverse("privacy"),
        auth_values=auth_values,
        notes=notes,
    )


def default_privacy_text() -> str:
    """What /privacy/ says until an admin writes a policy of their own (the admin's add form starts from it)."""
    seconds = settings.OAUTH2_PROVIDER.get("ACCESS_TOKEN_EXPIRE_SECONDS", 36000)
    return render_to_string("gptsetup/privacy_default.txt", {"hours": f"{seconds / 3600:g}"}).strip() + "\n"
