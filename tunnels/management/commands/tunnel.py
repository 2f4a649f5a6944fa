from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tunnels.backends import DOMAINS_PAGE, TunnelBackend, TunnelError, get_backend
from tunnels.conf import HOSTNAME, conf, normalize_domain
from tunnels.server import HOST, Server, ServerError, listening, port_in_use, server_environment, tunnel_environment

POLL_SECONDS = 0.5
SERVER_START_SECONDS = 30
# SIGHUP: the terminal was closed. Windows has only the first two.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Command(BaseCommand):
    help = (
        "Make this server reachable by ChatGPT: start it on 127.0.0.1:PORT (gunicorn, DEBUG off) and open an ngrok "
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
        self.signalled: int | None = None
        self.public_url: str | None = None
        self.server: Server | None = None
        previous = {signum: signal.signal(signum, self.on_signal) for signum in STOP_SIGNALS}
        pyngrok_logger = logging.getLogger("pyngrok")
        previous_level = pyngrok_logger.level
        # The agent's own log lines only at -v 2; its errors reach the user as one line of ours.
        pyngrok_logger.setLevel(logging.DEBUG if options["verbosity"] >= 2 else logging.CRITICAL + 1)
        try:
            self.run(backend, port, domain, no_server)
        except (TunnelError, ServerError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            self.shut_down(backend)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            pyngrok_logger.setLevel(previous_level)
        self.say("Stopped: tunnel closed, " + ("agent stopped." if no_server else "server and agent stopped."))

    def run(self, backend: TunnelBackend, port: int, domain: str, no_server: bool) -> None:
        self.say(f"Opening an ngrok tunnel to http://{HOST}:{port} ...")
        public_url = self.public_url = backend.open(port, domain or None)
        if not domain:
            self.warn(
                f"no --domain, so ngrok chose {public_url}, which can change at the next start and then breaks "
                f"the schema and OAuth URLs saved in the GPT. Use your free static domain (see {DOMAINS_PAGE}): "
                "--domain NAME.ngrok-free.app, or NGROK_DOMAIN=NAME.ngrok-free.app in .env."
            )
        if no_server:
            env = {**os.environ, **tunnel_environment(public_url)}
        else:
            env = server_environment(public_url)
            self.server = Server(port, env)
            self.say(f"Starting the server (gunicorn) on http://{HOST}:{port} ...")
            self.server.start(SERVER_START_SECONDS, should_stop=lambda: self.signalled is not None)
        # A Ctrl+C at any step skips the rest and goes straight to shutting down.
        if self.signalled is None:
            self.announce(public_url, port, no_server)
        if self.signalled is None:
            self.print_action_setup(env)
        if self.signalled is None:
            self.say("Running until Ctrl+C (or SIGTERM).")
            self.watch(backend, public_url, self.server)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only a flag: the main loop notices within POLL_SECONDS and shuts down in order.
        self.signalled = signum

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()  # at once, also into a pipe or a log file

    def warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"Warning: {message}"))
        self.stderr.flush()

    def announce(self, public_url: str, port: int, no_server: bool) -> None:
        self.say("Reachable by ChatGPT at:")
        self.say(public_url)
        if no_server:
            env = tunnel_environment(public_url)
            self.say(f"Run your server on {HOST}:{port} with this environment:")
            for name, value in env.items():
                self.say(f"  {name}={value}")
            assignments = " ".join(f"{name}={value}" for name, value in env.items())
            self.say(f"  e.g. {assignments} python manage.py runserver {HOST}:{port}")
            if not listening(port):
                self.warn(f"nothing answers on {HOST}:{port} yet; ChatGPT gets an ngrok error page until it does.")

    def print_action_setup(self, env: dict[str, str]) -> None:
        """The GPT editor's values, from `manage.py action_setup` run with the server's environment."""
        try:
            result = subprocess.run(
                [sys.executable, "manage.py", "action_setup"],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.warn(f"could not print the GPT setup values (manage.py action_setup: {exc}).")
            return
        if result.returncode == 0:
            self.say(result.stdout.rstrip("\n"))
            return
        lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Type '")]
        reason = lines[-1].strip() if lines else "no output"
        self.warn(
            f"could not print the GPT setup values (manage.py action_setup exited with {result.returncode}: {reason})."
        )

    def watch(self, backend: TunnelBackend, public_url: str, server: Server | None) -> None:
        while self.signalled is None:
            time.sleep(POLL_SECONDS)
            if self.signalled is not None:
                break
            if server is not None and server.poll() is not None:
                raise CommandError(f"the server (gunicorn) stopped with exit code {server.poll()}.")
            # By host: an agent may spell the same URL with its port (https://name:443).
            if urlsplit(public_url).hostname not in {urlsplit(t.public_url).hostname for t in backend.status()}:
                raise CommandError(f"the tunnel {public_url} was closed by the ngrok agent.")

    def shut_down(self, backend: TunnelBackend) -> None:
        if self.signalled is not None:
            self.say("Stopping: closing the tunnel, then stopping the server and the agent ...")
        if self.public_url:
            backend.close(self.public_url)
        if self.server is not None:
            self.server.stop()
        backend.stop()
