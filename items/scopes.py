"""The API's scopes, shared by API keys and OAuth tokens. Free of model imports: settings read it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SCOPE_READ = "items:read"
SCOPE_WRITE = "items:write"
SCOPES = {
    SCOPE_READ: _("Read your items"),
    SCOPE_WRITE: _("Create, change and delete your items"),
}
