"""`python manage.py mcp --user USERNAME`: the item tools over stdio, for local clients (Claude Desktop, Codex CLI)."""

from __future__ import annotations

import anyio
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gptmcp.stdio import serve_stdio


class Command(BaseCommand):
    help = (
        "Serve the MCP tools over stdin/stdout, acting as one user with both scopes. "
        "Local MCP clients start this command themselves (see the README's Claude Desktop and Codex snippets)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The username whose items the tools read and change.")

    def handle(self, *args: object, user: str, **options: object) -> None:
        found = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: user}).first()
        if found is None:
            raise CommandError(f"There is no user {user!r}. Create one with `python manage.py createsuperuser`.")
        if not found.is_active:
            raise CommandError(f"The user {user!r} is inactive.")
        anyio.run(serve_stdio, found)
