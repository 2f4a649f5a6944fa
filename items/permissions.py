from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from items.scopes import SCOPE_READ, SCOPE_WRITE


class HasItemScope(BasePermission):
    """items:read for safe methods, items:write for the rest.

    Works with any credential that has `allow_scopes()`: our API keys and DOT's access tokens.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        required = SCOPE_READ if request.method in SAFE_METHODS else SCOPE_WRITE
        allow_scopes = getattr(request.auth, "allow_scopes", None)
        if allow_scopes is not None and allow_scopes([required]):
            return True
        self.message = _("This credential lacks the %(scope)s scope.") % {"scope": required}
        return False
