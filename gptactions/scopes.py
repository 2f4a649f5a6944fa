"""The API's scopes, shared by API keys and OAuth tokens; DOT reads them through SCOPES_BACKEND_CLASS."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

SCOPE_READ = "items:read"
SCOPE_WRITE = "items:write"
SCOPES = {
    SCOPE_READ: _("Read your items"),
    SCOPE_WRITE: _("Create, change and delete your items"),
}


class ItemScopes(BaseScopes):
    """Every client may ask for every scope; asking for none grants both (a GPT editor's blank Scope field)."""

    def get_all_scopes(self) -> dict[str, Any]:
        return dict(SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(SCOPES)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return list(SCOPES)
