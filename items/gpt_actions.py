"""The Items API, registered: REST routes, the GPT Action's operations, MCP tools, scopes and call-log names."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

import gptactions
from items.views import ItemViewSet

gptactions.site.register(
    ItemViewSet,
    prefix="items",
    actions=["list", "retrieve", "create", "partial_update", "destroy"],
    description=(
        "Keeps the signed-in user's list of items, each with a name, a description, a price and an optional tax. "
        "Use these tools whenever the user asks what items they have, or wants to add, change or remove one."
    ),
    scope_descriptions={"items:read": _("Read your items"), "items:write": _("Create, change and delete your items")},
)
