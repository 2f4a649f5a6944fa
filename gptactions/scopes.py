"""The API's scopes, shared by API keys and OAuth tokens: those the registered resources need.

DOT reads them through SCOPES_BACKEND_CLASS = "gptactions.scopes.RegisteredScopes"; the consent page shows
each scope's words from its registration.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from gptactions.registry import site


def all_scopes() -> dict[str, str]:
    """Every registered scope and its consent-page words."""
    return site.scopes()


def all_scopes_text() -> str:
    """Every registered scope, space-separated: a new API key's default."""
    return " ".join(all_scopes())


class RegisteredScopes(BaseScopes):
    """Every client may ask for every scope; asking for none grants all (a GPT editor's blank Scope field)."""

    def get_all_scopes(self) -> dict[str, Any]:
        return all_scopes()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return list(all_scopes())

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        return list(all_scopes())
