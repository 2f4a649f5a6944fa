from __future__ import annotations

from django.contrib import admin

from gptactions.admin import SignedInUserByDefault
from items.models import Item


@admin.register(Item)
class ItemAdmin(SignedInUserByDefault, admin.ModelAdmin):
    user_field = "owner"
    list_display = ["name", "owner", "price", "tax", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["name", "description"]
