from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from gptactions.registry import site


def credential_allows(credential: object, scope: str) -> bool:
    """Whether the credential (an API key, DOT's access token: anything with `allow_scopes()`) grants scope."""
    allow_scopes = getattr(credential, "allow_scopes", None)
    return allow_scopes is not None and bool(allow_scopes([scope]))


def missing_scope_message(scope: str) -> str:
    return _("This credential lacks the %(scope)s scope.") % {"scope": scope}


class HasActionScope(BasePermission):
    """The credential's scopes allow the action, as its registration says (gptactions.site.register).

    Any credential with `allow_scopes()` (API keys, DOT's tokens). An action no registration exposes is
    refused. Not DOT's TokenHasReadWriteScope: it takes the scope names from OAUTH2_PROVIDER's READ_SCOPE and
    WRITE_SCOPE (settings would repeat what the registrations own), accepts only credentials with DOT's
    `is_valid()`, and its 403 does not say which scope is missing, which a model needs to tell its user.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        action = getattr(view, "action", None)
        spec = site.action_spec(type(view), action)
        resource = site.resource_for(type(view)) if spec is None else spec.resource
        if spec is not None:
            required = spec.scope
        elif resource is not None and action is None:
            return True  # a method the registration routes no action for: DRF answers 405 itself
        elif resource is not None and action == "metadata":
            required = resource.read_scope  # OPTIONS describes the resource: reading it
        else:
            self.message = _("This action is not exposed.")
            return False
        if credential_allows(request.auth, required):
            return True
        self.message = missing_scope_message(required)
        return False
