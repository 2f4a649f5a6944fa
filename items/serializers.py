from __future__ import annotations

from rest_framework import serializers

from items.models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name", "description", "price", "tax", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Shown to the model in the OpenAPI schema: the API refuses more than two decimals.
        extra_kwargs = {
            "price": {"help_text": "At least 0, with at most two decimals."},
            "tax": {"help_text": "The tax amount: at least 0, with at most two decimals; null when none."},
        }
