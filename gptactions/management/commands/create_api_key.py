from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gptactions.auth_styles import enabled_auth_styles
from gptactions.models import ApiKey
from gptactions.paste_values import paste_lines, paste_values
from gptactions.public_url import public_base_url
from gptactions.scopes import all_scopes
from gptactions.services import api_key_create


def print_api_key(command: BaseCommand, api_key: ApiKey, raw_key: str, base_url: str | None = None) -> None:
    """The paste values for each enabled API-key style (on base_url), then the raw key alone on the last line."""
    base_url = base_url or public_base_url(None)
    expiry = api_key.expires_at.isoformat() if api_key.expires_at else "never"
    command.stdout.write(
        f'API key "{api_key.name}" for {api_key.user.get_username()} (scopes: {api_key.scope}; expires: {expiry}).'
    )
    command.stdout.write("Paste into the GPT editor (Actions > Authentication):")
    for style in enabled_auth_styles():
        if style.uses_api_key:
            command.stdout.write(f"  {style.label}:")
            for line in paste_lines(paste_values(style, base_url=base_url, raw_key=raw_key), indent="    "):
                command.stdout.write(line)
    command.stdout.write("Copy the API key on the next line; it is shown only now (stored hashed):")
    command.stdout.write(raw_key)


class Command(BaseCommand):
    help = "Create an API key for a user and print it once, with what to paste into the GPT editor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="GPT Action")
        parser.add_argument(
            "--scope",
            action="append",
            choices=list(all_scopes()),
            dest="scopes",
            help="Repeat for several; default: every scope (" + ", ".join(all_scopes()) + ").",
        )
        parser.add_argument("--expires-days", type=int, help="Days until the key expires; default: never.")

    def handle(self, *args: object, username: str, name: str, scopes: list[str] | None, **options: object) -> None:
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. Create one with `manage.py createsuperuser`.")
        expires_days = options["expires_days"]
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        api_key, raw_key = api_key_create(
            user=user, name=name, scopes=scopes or list(all_scopes()), expires_at=expires_at
        )
        print_api_key(self, api_key, raw_key)
