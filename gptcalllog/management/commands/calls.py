from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from gptcalllog.conf import conf
from gptcalllog.models import Call
from gptcalllog.selectors import FAILED, calls_after


def call_line(call: Call) -> str:
    """One call on one line: time, status (xN when the row counts unauthenticated calls), method, operation,
    path, latency, auth, key or client, user, address, ids, error."""
    parts = [
        timezone.localtime(call.at).strftime("%Y-%m-%d %H:%M:%S"),
        str(call.status) if call.count == 1 else f"{call.status} x{call.count}",
        f"{call.method:<6}",
        f"{call.operation_id or '-':<10}",
        call.path,
        f"{call.latency_ms:.1f} ms",
        call.auth_style or "-",
        call.credential or "-",
        f"user={call.username}" if call.username else "",
        f"from={call.client_address}" if call.client_address else "",
        f"gpt={call.gpt_id}" if call.gpt_id else "",
        f"conversation={call.conversation_id}" if call.conversation_id else "",
        f"chatgpt_user={call.ephemeral_user_id}" if call.ephemeral_user_id else "",
        f"error: {call.error}" if call.error else "",
    ]
    return "  ".join(part for part in parts if part)


class Command(BaseCommand):
    help = "Prints the latest calls to the API; with --follow, keeps printing calls as they arrive (Ctrl+C stops)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", "--last", type=int, default=20, help="How many past calls to print first (20).")
        parser.add_argument("-f", "--follow", action="store_true", help="Keep printing new calls as they arrive.")
        parser.add_argument("--failures", action="store_true", help="Only calls that failed (status 400 and above).")
        parser.add_argument("--count", type=int, help="With --follow: stop after this many new calls.")
        parser.add_argument("--interval", type=float, default=0.5, help="With --follow: seconds between looks (0.5).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not conf.CALL_LOG:
            self.stderr.write("The call log is off (CALL_LOG=off): no new calls are recorded.")
        calls = Call.objects.filter(FAILED) if options["failures"] else Call.objects.all()
        last = list(calls.order_by("-id")[: max(options["last"], 0)])[::-1]
        for call in last:
            self.print_call(call)
        if not options["follow"]:
            return
        seen = last[-1].id if last else (Call.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        self.stderr.write("Following the calls as they arrive (Ctrl+C stops)…")
        self.stderr.flush()
        try:
            self.follow(seen, failures_only=options["failures"], count=options["count"], interval=options["interval"])
        except KeyboardInterrupt:
            pass

    def follow(self, seen: int, *, failures_only: bool, count: int | None, interval: float) -> None:
        printed = 0
        while count is None or printed < count:
            for call in calls_after(seen, failures_only=failures_only)[:100]:
                self.print_call(call)
                seen = call.id
                printed += 1
                if count is not None and printed >= count:
                    return
            time.sleep(interval)

    def print_call(self, call: Call) -> None:
        line = call_line(call)
        self.stdout.write(self.style.ERROR(line) if call.failed else line)
        self.stdout.flush()
