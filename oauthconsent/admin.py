"""The Django admin for GPT clients: DOT registers it through OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"].

This module must not import oauth2_provider.admin: that module imports this class while it loads.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from gptactions.admin import SignedInUserByDefault
from gptactions.auth_styles import AUTH_STYLES
from gptactions.paste_values import paste_values
from gptactions.public_url import public_base_url
from gptactions.shown_once import ShownOnceAdminMixin
from oauthconsent.callback_urls import GPT_CALLBACK_HOSTS
from oauthconsent.forms import GptClientForm
from oauthconsent.services import gpt_client_create, gpt_client_issue_secret

CALLBACK_NOTE = _(
    "Token Exchange Method: both “Default (POST request)” and “Basic authorization header” work. After you save "
    "the Action, the GPT editor shows a Callback URL: paste it into this client’s Callback URLs."  # noqa: RUF001
)


class GptClientAdmin(SignedInUserByDefault, ShownOnceAdminMixin, admin.ModelAdmin):
    form = GptClientForm
    change_label = _("Add the callback URL")
    lost_hint = _("Select the client in the list and choose “Issue a new client secret”.")
    list_display = ["name", "client_id", "callbacks", "user", "created"]
    list_select_related = ["user"]
    list_filter = ["registration_source"]  # "Dynamic Client Registration": MCP clients that registered themselves
    search_fields = ["name", "client_id"]
    readonly_fields = ["client_id", "created", "updated"]
    change_form_template = "admin/oauthconsent/gptclient/change_form.html"
    actions = ["issue_new_secret"]

    def get_fields(self, request: HttpRequest, obj: AbstractApplication | None = None) -> list[str]:
        fields = ["name", "redirect_uris", "user"]
        return [*fields, "client_id", "created", "updated"] if obj else fields

    @admin.display(description=_("Callback URLs"))
    def callbacks(self, application: AbstractApplication) -> str:
        uris = application.redirect_uris.split()
        if not uris:
            return str(_("none yet"))
        gpt = [uri for uri in uris if any(f"//{host}/" in uri for host in GPT_CALLBACK_HOSTS)]
        return " ".join(uris) if not gpt else f"{gpt[0]} (+{len(uris) - 1})"

    def create_with_secret(self, request: HttpRequest, form: GptClientForm) -> tuple[AbstractApplication, str]:
        data = form.cleaned_data
        return gpt_client_create(name=data["name"], callback_urls=data["redirect_uris"].split(), user=data["user"])

    def shown_once_context(self, request: HttpRequest, application: AbstractApplication, secret: str) -> dict[str, Any]:
        values = paste_values(
            AUTH_STYLES["oauth"], base_url=public_base_url(request), application=application, client_secret=secret
        )
        return {
            "title": _("GPT client secret"),
            "intro": _(
                "The client secret of “%(name)s” is shown below. Copy it now: it is stored only as a hash and will "
                "not be shown again."
            )
            % {"name": application.name},
            "tables": [(_("Paste into the GPT editor: Actions › Authentication › OAuth"), values, "paste-")],  # noqa: RUF001
            "notes": [CALLBACK_NOTE],
        }

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        application = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if application is not None:
            extra_context["paste_values"] = paste_values(
                AUTH_STYLES["oauth"], base_url=public_base_url(request), application=application
            )
            extra_context["paste_note"] = CALLBACK_NOTE
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Issue a new client secret (the old one stops working)"))
    def issue_new_secret(self, request: HttpRequest, queryset: QuerySet[AbstractApplication]) -> HttpResponse | None:
        if len(queryset) != 1:
            messages.error(request, _("Select exactly one GPT client to issue a new secret for."))
            return None
        application = queryset[0]
        self.keep_secret(request, application, gpt_client_issue_secret(application=application))
        return self.redirect_to_secret(request, application)
