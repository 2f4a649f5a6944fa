from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gptactions.auth_styles import enabled_auth_styles
from gptactions.models import ApiKey
from gptactions.paste_values import PasteValue, paste_values
from gptactions.public_url import public_base_url
from gptactions.scopes import all_scopes
from gptactions.services import api_key_create, api_key_revoke
from gptactions.shown_once import ShownOnceAdminMixin


class SignedInUserByDefault:
    """Mix into a ModelAdmin: its user field starts as the signed-in user, a searchable choice (not an id box)."""

    user_field = "user"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {self.user_field: request.user.pk, **super().get_changeform_initial_data(request)}

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return [self.user_field]


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=lambda: list(all_scopes().items()),
        widget=forms.CheckboxSelectMultiple,
        initial=lambda: list(all_scopes()),
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
class ApiKeyAdmin(SignedInUserByDefault, ShownOnceAdminMixin, admin.ModelAdmin):
    form = ApiKeyForm
    change_label = _("Edit the key")
    lost_hint = _("Add a new key if this one was lost, and revoke the old one.")
    list_display = ["name", "user", "masked_key", "scope", "created_at", "last_used_at", "status"]
    list_select_related = ["user"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
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

    def create_with_secret(self, request: HttpRequest, form: ApiKeyForm) -> tuple[ApiKey, str]:
        data = form.cleaned_data
        return api_key_create(
            user=data["user"], name=data["name"], scopes=data["scopes"], expires_at=data["expires_at"]
        )

    def shown_once_context(self, request: HttpRequest, api_key: ApiKey, raw_key: str) -> dict[str, Any]:
        base_url = public_base_url(request)
        key_styles = [style for style in enabled_auth_styles() if style.uses_api_key]
        return {
            "title": _("API key created"),
            "intro": _(
                "The API key “%(name)s” acts for %(user)s. Copy it now: it is stored only as a hash and will "
                "not be shown again."
            )
            % {"name": api_key.name, "user": api_key.user},
            "tables": [
                (_("The key"), [PasteValue(_("API key"), raw_key)], "raw-"),
                *(
                    (
                        _("GPT editor: Authentication › %(label)s") % {"label": style.label},  # noqa: RUF001
                        paste_values(style, base_url=base_url, raw_key=raw_key),
                        "",
                    )
                    for style in key_styles
                ),
            ],
            "notes": [],
        }
