"""The Django admin for GPT clients: DOT registers it through OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"].

This module must not import oauth2_provider.admin: that module imports this class while it loads.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from config.public_url import public_base_url
from oauthconsent.forms import GptClientForm
from oauthconsent.services import GPT_CALLBACK_HOSTS, gpt_client_issue_secret, gpt_paste_values


class GptClientAdmin(admin.ModelAdmin):
    form = GptClientForm
    list_display = ["name", "client_id", "callbacks", "user", "created"]
    list_select_related = ["user"]
    search_fields = ["name", "client_id"]
    raw_id_fields = ["user"]
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

    def save_model(self, request: HttpRequest, obj: AbstractApplication, form: GptClientForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.client_type = AbstractApplication.CLIENT_CONFIDENTIAL
        obj.authorization_grant_type = AbstractApplication.GRANT_AUTHORIZATION_CODE
        request._raw_client_secret = gpt_client_issue_secret(application=obj)

    def response_add(
        self, request: HttpRequest, obj: AbstractApplication, post_url_continue: str | None = None
    ) -> HttpResponse:
        raw_secret = getattr(request, "_raw_client_secret", None)
        if raw_secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self.secret_page(request, obj, raw_secret, title=_("GPT client created"))

    def secret_page(
        self, request: HttpRequest, application: AbstractApplication, raw_secret: str, *, title: str
    ) -> TemplateResponse:
        # Shown on this page only: never put into a message, a session or a log.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "application": application,
            "client_secret": raw_secret,
            "paste_values": gpt_paste_values(
                application=application, base_url=public_base_url(request), client_secret=raw_secret
            ),
            "title": title,
        }
        response = TemplateResponse(request, "admin/oauthconsent/gptclient/created.html", context)
        add_never_cache_headers(response)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        application = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if application is not None:
            extra_context["paste_values"] = gpt_paste_values(application=application, base_url=public_base_url(request))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Issue a new client secret (the old one stops working)"))
    def issue_new_secret(self, request: HttpRequest, queryset: QuerySet[AbstractApplication]) -> HttpResponse | None:
        if len(queryset) != 1:
            messages.error(request, _("Select exactly one GPT client to issue a new secret for."))
            return None
        application = queryset[0]
        raw_secret = gpt_client_issue_secret(application=application)
        return self.secret_page(request, application, raw_secret, title=_("New client secret"))
