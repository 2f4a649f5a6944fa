from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from gptactions.auth_styles import AUTH_STYLES
from gptactions.paste_values import paste_lines, paste_values
from gptactions.public_url import assumed_address_note, command_base_url
from oauthconsent.callback_urls import EXAMPLE_CALLBACK
from oauthconsent.services import gpt_client_create


class Command(BaseCommand):
    help = (
        "Register a GPT as an OAuth client (confidential, authorization code) and print its client ID, "
        "its secret (shown only now) and what to paste into the GPT editor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The GPT's name, shown on the consent page.")
        parser.add_argument(
            "--callback",
            action="append",
            default=[],
            help=f"The Callback URL the GPT editor shows ({EXAMPLE_CALLBACK}); repeat for several. "
            "A GPT callback is registered on both chatgpt.com and chat.openai.com.",
        )
        parser.add_argument("--user", help="Username of the person responsible for this GPT (optional).")
        parser.add_argument("--base-url", help="The public https address of this server (default: PUBLIC_BASE_URL).")
        parser.add_argument(
            "--port", type=int, help="Without PUBLIC_BASE_URL: the port the local server runs on (default 8000)."
        )

    def handle(
        self,
        *args: object,
        name: str,
        callback: list[str],
        user: str | None,
        base_url: str | None,
        port: int | None = None,
        **options: object,
    ) -> None:
        owner = None
        if user:
            user_model = get_user_model()
            owner = user_model.objects.filter(**{user_model.USERNAME_FIELD: user}).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}. Create one with `manage.py createsuperuser`.")
        try:
            application, client_secret = gpt_client_create(name=name, callback_urls=callback, user=owner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        base_url, configured = command_base_url(base_url=base_url, port=port)
        self.stdout.write(f"client_id: {application.client_id}")
        self.stdout.write(f"client_secret: {client_secret}")
        self.stdout.write("The secret is shown only now (it is stored hashed).")
        self.stdout.write("")
        self.stdout.write("Paste into the GPT editor (Actions > Authentication > OAuth):")
        values = paste_values(
            AUTH_STYLES["oauth"], base_url=base_url, application=application, client_secret=client_secret
        )
        for line in paste_lines(values):
            self.stdout.write(line)
        if not configured:
            self.stdout.write(f"  ({assumed_address_note(base_url)})")
        self.stdout.write("")
        change_path = reverse("admin:oauth2_provider_application_change", args=[application.pk])
        if application.redirect_uris:
            self.stdout.write("Callback URLs registered:")
            for uri in application.redirect_uris.split():
                self.stdout.write(f"  {uri}")
        else:
            self.stdout.write(
                "No callback URL yet. Save the Action in the GPT editor: it then shows a Callback URL "
                f"({EXAMPLE_CALLBACK}). Paste it into this client's Callback URLs in the admin: "
                f"{base_url}{change_path}"
            )
