from __future__ import annotations

import os
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from items.management.commands.create_api_key import print_api_key
from items.models import Item
from items.services import api_key_create

DEMO_USERNAME = "demo"
DEMO_ITEMS = [
    ("ChatGPT", "OpenAI LLM", Decimal("20.0")),
    ("LLAMA", "Opensource LLM", Decimal("0.1")),
]


class Command(BaseCommand):
    help = "Create the demo user and the seed items (idempotent), and print a fresh demo API key."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        password = os.environ.get("DEMO_PASSWORD")
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created or password:
            shown = password is None
            password = password or secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            if shown:
                self.stdout.write(f"Demo user: {DEMO_USERNAME} / {password} (admin at /admin/)")
        for name, description, price in DEMO_ITEMS:
            Item.objects.get_or_create(owner=user, name=name, defaults={"description": description, "price": price})
        api_key, raw_key = api_key_create(user=user, name="demo key")
        print_api_key(self, api_key, raw_key)
