from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from oauth2_provider.models import AbstractApplication

from gptactions.auth_styles import AUTH_STYLES, enabled_auth_style, enabled_auth_styles
from gptactions.public_url import assumed_address_note, command_base_url
from gptmcp.presentation import mcp_setup, mcp_setup_lines
from gptsetup.checks import lint_action
from gptsetup.presentation import action_setup, clients_hint, lint_lines, setup_lines
from gptsetup.selectors import action_schema
from oauthconsent.selectors import gpt_clients


class Command(BaseCommand):
    help = (
        "Print what to paste into the GPT editor (schema URL, authentication, privacy policy URL) for "
        "PUBLIC_BASE_URL, and lint the Action against ChatGPT's rules."
    )
    # The lint below is the checks that matter here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--auth",
            choices=list(AUTH_STYLES),
            help="The GPT editor's auth type; default: the first of API_AUTH_STYLES.",
        )
        parser.add_argument("--client", metavar="CLIENT_ID", help="The OAuth client to show (with --auth oauth).")
        parser.add_argument("--base-url", help="The public https address of this server (default: PUBLIC_BASE_URL).")
        parser.add_argument(
            "--port", type=int, help="Without PUBLIC_BASE_URL: the port the local server runs on (default 8000)."
        )

    def handle(
        self,
        *args: object,
        auth: str | None,
        client: str | None,
        base_url: str | None = None,
        port: int | None = None,
        **options: object,
    ) -> None:
        styles = enabled_auth_styles()
        if not styles:
            raise CommandError("API_AUTH_STYLES enables no auth style: set it to some of bearer,basic,custom,oauth.")
        name = auth or ("oauth" if client else styles[0].name)
        style = enabled_auth_style(name)
        if style is None:
            enabled = ",".join(style.name for style in styles)
            raise CommandError(f"--auth {name} is not enabled: API_AUTH_STYLES is {enabled}.")
        if client and style.uses_api_key:
            raise CommandError("--client goes with --auth oauth.")
        clients = [] if style.uses_api_key else self.gpt_clients()
        application = None
        if client:
            application = next((found for found in clients if found.client_id == client), None)
            if application is None:
                raise CommandError(
                    f"No OAuth client with client id {client!r}. "
                    + clients_hint(clients, "Known clients: ", "There is none yet: ")
                )
        base_url, configured = command_base_url(base_url=base_url, port=port)
        setup = action_setup(style=style, base_url=base_url, base_url_configured=configured, application=application)
        lines = setup_lines(setup)
        if not setup.base_url_configured:
            self.stdout.write(self.style.WARNING(lines.pop(0)))
            self.stdout.write(self.style.WARNING(assumed_address_note(base_url)))
        self.stdout.write("\n".join(lines))
        if not style.uses_api_key and application is None:
            self.stdout.write("")
            self.stdout.write(clients_hint(clients, "Choose a client with --client: ", "No OAuth client yet: "))
        self.stdout.write("")
        self.stdout.write("\n".join(mcp_setup_lines(mcp_setup(base_url=base_url))))
        self.stdout.write("")
        messages = lint_action(action_schema(None), public_url=base_url if configured else "")
        paint = self.style.WARNING if messages else self.style.SUCCESS
        self.stdout.write(paint("\n".join(lint_lines(messages))))

    def gpt_clients(self) -> list[AbstractApplication]:
        try:
            return gpt_clients()
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the OAuth clients ({exc}). Run `python manage.py migrate` first.") from exc
