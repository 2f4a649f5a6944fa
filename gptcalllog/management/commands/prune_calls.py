from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gptcalllog.conf import conf
from gptcalllog.services import calls_prune


class Command(BaseCommand):
    help = "Deletes the calls older than CALL_LOG_DAYS days from the call log now (the server also does, hourly)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="Keep this many days instead of CALL_LOG_DAYS.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = conf.CALL_LOG_DAYS if options["days"] is None else options["days"]
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        deleted = calls_prune(days=days)
        self.stdout.write(f"Deleted {deleted} calls older than {days} days.")
