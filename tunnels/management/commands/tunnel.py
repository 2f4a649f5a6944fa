from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gptsetup.presentation import setup_report
from tunnels.backends import get_backend
from tunnels.backends.base import TunnelError
from tunnels.conf import HOSTNAME, conf, normalize_domain
from tunnels.runner import TunnelRunner
from tunnels.server import HOST, ServerError, port_in_use


class Command(BaseCommand):
    help = (
        "Make this server reachable by ChatGPT: start it on 127.0.0.1:PORT (granian, DEBUG off) and open an ngrok "
        "https tunnel to it, print the public URL and the GPT setup values, and run until Ctrl+C or SIGTERM."
    )
    # The checks' warnings (an NGROK_PATH that does not exist, say) would bury the one-line error this command
    # gives for the same problem.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Local port of the server (default: 8000).")
        parser.add_argument(
            "--domain",
            help="Your reserved ngrok domain, NAME.ngrok-free.app (default: the NGROK_DOMAIN setting). "
            "Without one the URL changes at each start.",
        )
        parser.add_argument(
            "--no-server",
            action="store_true",
            help="Only open the tunnel, to a server you run yourself on the port; prints the environment it needs.",
        )

    def handle(self, *args: Any, port: int, domain: str | None, no_server: bool, **options: Any) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port {port} is not a TCP port (1-65535).")
        domain = normalize_domain(domain or "") or conf.NGROK_DOMAIN
        if domain and not HOSTNAME.match(domain):
            raise CommandError(f"--domain {domain!r} is not a domain name; use NAME.ngrok-free.app.")
        if not no_server and port_in_use(port):
            raise CommandError(
                f"port {port} is already in use on {HOST}: stop what runs there, choose another --port, "
                "or add --no-server to tunnel to the server already running."
            )
        try:
            backend = get_backend()
        except ImportError as exc:
            raise CommandError(f"TUNNELS_BACKEND {conf.TUNNELS_BACKEND!r} cannot be imported ({exc}).") from exc
        runner = TunnelRunner(
            backend,
            port=port,
            domain=domain or None,
            serve=not no_server,
            setup_report=setup_report,
            stdout=self.stdout,
            stderr=self.stderr,
            style=self.style,
        )
        with agent_log(shown=options["verbosity"] >= 2):
            try:
                runner.run()
            except (TunnelError, ServerError) as exc:
                raise CommandError(str(exc)) from exc


@contextmanager
def agent_log(*, shown: bool) -> Iterator[None]:
    """The agent's own log lines only at -v 2; its errors reach the user as one line of ours."""
    logger = logging.getLogger("pyngrok")
    previous = logger.level
    logger.setLevel(logging.DEBUG if shown else logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(previous)
