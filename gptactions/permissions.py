from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from gptactions.scopes import SCOPE_READ, SCOPE_WRITE


def required_scope(method: str) -> str:
    """items:read for safe methods, items:write for the rest (the schema declares the same)."""
    return SCOPE_READ if method.upper() in SAFE_METHODS else SCOPE_WRITE


def credential_allows(credential: object, scope: str) -> bool:
    """Whether the credential (an API key, DOT's access token: anything with `allow_scopes()`) grants scope."""
    allow_scopes = getattr(credential, "allow_scopes", None)
    return allow_scopes is not None and bool(allow_scopes([scope]))


def missing_scope_message(scope: str) -> str:
    return _("This credential lacks the %(scope)s scope.") % {"scope": scope}


class HasItemScope(BasePermission):
    """The credential's scopes allow the method: any credential with `allow_scopes()` (API keys, DOT's tokens).

    Not DOT's TokenHasReadWriteScope: it takes the scope names from OAUTH2_PROVIDER's READ_SCOPE and
    WRITE_SCOPE (settings would repeat what gptactions.scopes owns), accepts only credentials with DOT's
    `is_valid()`, and its 403 does not say which scope is missing, which a model needs to tell its user.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        required = required_scope(request.method)
        if credential_allows(request.auth, required):
            return True
        self.message = missing_scope_message(required)
        return False
