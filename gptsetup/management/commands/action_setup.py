from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from gptsetup.checks import lint_action
from gptsetup.services import AUTH_TYPE_LABELS, ActionSetup, action_schema, action_setup, enabled_auth_styles
from gptsetup.services import oauth_clients as list_oauth_clients
from items.schema import SCHEME_NAMES


class Command(BaseCommand):
    help = (
        "Print what to paste into the GPT editor (schema URL, authentication, privacy policy URL) for "
        "PUBLIC_BASE_URL, and lint the Action against ChatGPT's rules."
    )
    # The lint below is the checks that matter here; `manage.py tunnel` runs this with a fresh PUBLIC_BASE_URL.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--auth",
            choices=list(SCHEME_NAMES),
            help="The GPT editor's auth type; default: the first of API_AUTH_STYLES.",
        )
        parser.add_argument("--client", metavar="CLIENT_ID", help="The OAuth client to show (with --auth oauth).")

    def handle(self, *args: object, auth: str | None, client: str | None, **options: object) -> None:
        styles = enabled_auth_styles()
        if not styles:
            raise CommandError("API_AUTH_STYLES enables no auth style: set it to some of bearer,basic,custom,oauth.")
        auth = auth or ("oauth" if client else styles[0])
        if auth not in styles:
            raise CommandError(f"--auth {auth} is not enabled: API_AUTH_STYLES is {','.join(styles)}.")
        if client and auth != "oauth":
            raise CommandError("--client goes with --auth oauth.")
        clients = self.oauth_clients() if auth == "oauth" else []
        application = None
        if client:
            application = next((found for found in clients if found.client_id == client), None)
            if application is None:
                raise CommandError(
                    f"No OAuth client with client id {client!r}. "
                    + self.clients_hint(clients, "Known clients: ", "There is none yet: ")
                )
        setup = action_setup(auth=auth, application=application)
        self.print_setup(setup, other_styles=[style for style in styles if style != auth])
        if auth == "oauth" and application is None:
            self.stdout.write("")
            self.stdout.write(self.clients_hint(clients, "Choose a client with --client: ", "No OAuth client yet: "))
        self.print_lint()

    def oauth_clients(self) -> list:
        try:
            return list_oauth_clients()
        except DatabaseError as exc:
            raise CommandError(f"Cannot read the OAuth clients ({exc}). Run `python manage.py migrate` first.") from exc

    def clients_hint(self, clients: list, known: str, none: str) -> str:
        if clients:
            return known + "; ".join(f"{found.client_id} ({found.name or 'no name'})" for found in clients) + "."
        return none + "create one with `python manage.py register_gpt_client --name 'My GPT'`."

    def print_setup(self, setup: ActionSetup, *, other_styles: list[str]) -> None:
        write = self.stdout.write
        if not setup.base_url_configured:
            write(
                self.style.WARNING(
                    f"PUBLIC_BASE_URL is not set: the values below use {setup.base_url}, which ChatGPT cannot "
                    "reach. Run `python manage.py tunnel`, or set PUBLIC_BASE_URL=https://your.domain."
                )
            )
        write(f"GPT Action setup for {setup.base_url}")
        write("In the GPT editor: Configure > Actions > Create new action.")
        write("")
        write("Schema (Import from URL):")
        write(f"  {setup.schema_url}")
        write("")
        write(f"Authentication: {setup.auth_label}")
        width = max(len(value.label) for value in setup.auth_values) + 1
        for value in setup.auth_values:
            shown = value.value if value.literal else f"({value.value})"
            write(f"  {value.label + ':':<{width}} {shown}")
        write("")
        write("Privacy policy URL:")
        write(f"  {setup.privacy_url}")
        for note in setup.notes:
            write("")
            write(note)
        if other_styles:
            write("")
            write(
                "Other auth types: "
                + ", ".join(f"--auth {style} ({AUTH_TYPE_LABELS[style]})" for style in other_styles)
                + "."
            )

    def print_lint(self) -> None:
        messages = lint_action(action_schema())
        self.stdout.write("")
        if not messages:
            self.stdout.write(self.style.SUCCESS("GPT Action lint: no problems."))
            return
        self.stdout.write(self.style.WARNING(f"GPT Action lint: {len(messages)} warning(s)."))
        for message in messages:
            self.stdout.write(self.style.WARNING(f"  {message.id}: {message.msg}"))
            if message.hint:
                self.stdout.write(f"    Fix: {message.hint}")
