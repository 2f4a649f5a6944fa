"""DOT's `cleartokens`, which also forgets exchanged authorization codes once replays no longer matter.

oauthconsent comes before oauth2_provider in INSTALLED_APPS, so this command takes the name.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.management.commands.cleartokens import Command as ClearTokensCommand

from oauthconsent.services import redeemed_codes_prune


class Command(ClearTokensCommand):
    help = "Delete expired OAuth tokens and codes, and exchanged codes no longer needed to detect a replay."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        redeemed_codes_prune()
