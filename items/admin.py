from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from items.models import ApiKey, Item
from items.scopes import SCOPE_READ, SCOPE_WRITE, SCOPES
from items.services import api_key_issue, api_key_revoke, gpt_auth_values


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "price", "tax", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "description"]
    raw_id_fields = ["owner"]


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=[SCOPE_READ, SCOPE_WRITE],
    )

    class Meta:
        model = ApiKey
        fields = ["user", "name", "scopes", "expires_at"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scopes"] = sorted(self.instance.scopes)

    def save(self, commit: bool = True) -> ApiKey:
        self.instance.scope = " ".join(self.cleaned_data["scopes"])
        return super().save(commit=commit)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "user", "masked_key", "scope", "created_at", "last_used_at", "status"]
    list_select_related = ["user"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["masked_key", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description=_("Key"))
    def masked_key(self, api_key: ApiKey) -> str:
        return f"{api_key.prefix}…" if api_key.prefix else "—"

    @admin.display(description=_("Status"))
    def status(self, api_key: ApiKey) -> str:
        if api_key.is_revoked:
            return str(_("revoked"))
        if api_key.is_expired():
            return str(_("expired"))
        return str(_("active"))

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        messages.success(request, _("Revoked %(count)d API key(s).") % {"count": len(queryset)})

    def save_model(self, request: HttpRequest, obj: ApiKey, form: ApiKeyForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            request._raw_api_key = api_key_issue(api_key=obj)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None) -> HttpResponse:
        raw_key = getattr(request, "_raw_api_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        # Shown on this page only: never put into a message, a session or a log.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "api_key": obj,
            "raw_key": raw_key,
            "paste_values": gpt_auth_values(raw_key),
            "title": _("API key created"),
        }
        response = TemplateResponse(request, "admin/items/apikey/created.html", context)
        add_never_cache_headers(response)
        return response
