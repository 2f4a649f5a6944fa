from __future__ import annotations

import os
import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from gptactions.conf import conf
from gptactions.management.commands.create_api_key import print_api_key
from gptactions.services import api_key_replace
from items.models import Item

DEMO_USERNAME = "demo"
DEMO_KEY_NAME = "demo key"
DEMO_ITEMS = [
    ("ChatGPT", "OpenAI LLM", Decimal("20.0")),
    ("LLAMA", "Opensource LLM", Decimal("0.1")),
]
PASSWORD_BACK = (
    'Lost it? `make manage ARGS="changepassword demo"` sets a new one '
    "(or put DEMO_PASSWORD=... in .env and run `make run` again)."
)


class Command(BaseCommand):
    help = (
        "Create the demo user and the seed items (idempotent), and replace the demo API key with a new one, "
        "printed last."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="The port `make run` serves on (for the URLs).")

    @transaction.atomic
    def handle(self, *args: object, port: int, **options: object) -> None:
        base_url = conf.PUBLIC_BASE_URL or f"http://127.0.0.1:{port}"
        user, sign_in = self.demo_user()
        for name, description, price in DEMO_ITEMS:
            Item.objects.get_or_create(owner=user, name=name, defaults={"description": description, "price": price})
        self.stdout.write(f"Demo server: {base_url}/ (admin: {base_url}/admin/)")
        self.stdout.write(sign_in)
        api_key, raw_key = api_key_replace(user=user, name=DEMO_KEY_NAME)
        self.stdout.write(f'Each run replaces the "{DEMO_KEY_NAME}": an older one no longer works.')
        print_api_key(self, api_key, raw_key, base_url=base_url)

    def demo_user(self) -> tuple[AbstractBaseUser, str]:
        """The demo user and the line saying how to sign in (a password is printed only when this run made it)."""
        password = os.environ.get("DEMO_PASSWORD")
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if password:
            user.set_password(password)
            user.save()
            return user, f"Demo user: {DEMO_USERNAME}, with the password in DEMO_PASSWORD."
        if not created:
            return user, f"Demo user: {DEMO_USERNAME} (its password was shown on the first run). {PASSWORD_BACK}"
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        return user, f"Demo user: {DEMO_USERNAME} / {password} (shown on this first run only). {PASSWORD_BACK}"
