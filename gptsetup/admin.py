from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from gptactions.auth_styles import enabled_auth_style, enabled_auth_styles
from gptactions.conf import conf
from gptactions.paste_values import PasteValue
from gptactions.public_url import public_base_url
from gptactions.registry import site
from gptmcp.presentation import mcp_setup
from gptsetup.checks import lint_action
from gptsetup.models import GptActionSetup, PrivacyPolicy
from gptsetup.presentation import action_setup, default_privacy_text
from gptsetup.selectors import action_schema
from oauthconsent.selectors import gpt_clients


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy: /privacy/ shows the newest, so a second one would only hide the first.
        return super().has_add_permission(request) and not PrivacyPolicy.objects.exists()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str]:
        return {"text": default_privacy_text()}


@admin.register(GptActionSetup)
class GptActionSetupAdmin(admin.ModelAdmin):
    """One page, no objects: what to paste into the GPT editor, with copy buttons."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [path("", self.admin_site.admin_view(self.changelist_view), name="{}_{}_changelist".format(*info))]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        styles = enabled_auth_styles()
        style = enabled_auth_style(request.GET.get("auth")) or (styles[0] if styles else None)
        clients = gpt_clients() if style and not style.uses_api_key else []
        chosen = request.GET.get("client")
        application = next((client for client in clients if client.client_id == chosen), None)
        if application is None and clients:
            application = clients[0]
        setup = schema_values = privacy_values = None
        if style is not None:
            setup = action_setup(
                style=style,
                base_url=public_base_url(request),
                base_url_configured=bool(conf.PUBLIC_BASE_URL),
                application=application,
            )
            schema_values = [PasteValue(_("Import from URL"), setup.schema_url)]
            privacy_values = [PasteValue(_("Privacy policy URL"), setup.privacy_url)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("GPT Action setup"),
            "styles": styles,
            "setup": setup,
            "schema_values": schema_values,
            "privacy_values": privacy_values,
            "clients": clients,
            "application": application,
            "warnings": lint_action(action_schema(request), public_url=conf.PUBLIC_BASE_URL),
            **self.mcp_context(request),
            "resources": site.resources(),
        }
        return TemplateResponse(request, "admin/gptsetup/setup.html", context)

    def mcp_context(self, request: HttpRequest) -> dict:
        mcp = mcp_setup(base_url=public_base_url(request), username=request.user.get_username())
        return {
            "mcp": mcp,
            "mcp_values": [PasteValue(_("MCP server URL"), mcp.url)],
            "mcp_stdio_values": [
                PasteValue(_("Claude Desktop (claude_desktop_config.json)"), mcp.claude_desktop_config),
                PasteValue(_("Codex CLI (~/.codex/config.toml)"), mcp.codex_config),
            ],
        }
