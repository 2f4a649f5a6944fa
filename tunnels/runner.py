"""One run of `manage.py tunnel`: open the tunnel, start the server behind it, watch both, shut down in order."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol, TextIO
from urllib.parse import urlsplit

from django.core.management.color import Style, no_style

from tunnels.backends.base import TunnelBackend, TunnelError
from tunnels.conf import DOMAINS_PAGE
from tunnels.server import (
    HOST,
    SERVER_NAME,
    Server,
    ServerError,
    listening,
    server_environment,
    tunnel_environment,
)

POLL_SECONDS = 0.5
SERVER_START_SECONDS = 30
# SIGHUP: the terminal was closed. Windows has only the first two.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class SetupReport(Protocol):
    """The GPT editor's setup values for base_url, as text (gptsetup.presentation.setup_report)."""

    def __call__(self, *, base_url: str) -> str: ...


class TunnelRunner:
    """Runs until SIGINT, SIGTERM or SIGHUP (then returns) or until something fails (then raises).

    Failures are TunnelError or ServerError, with a one-line message; either way the tunnel is closed and the
    server and the agent are stopped before run() returns or raises. Call run() from the main thread: it
    installs its own signal handlers for the run and gives the previous ones back afterwards.
    """

    def __init__(
        self,
        backend: TunnelBackend,
        *,
        port: int,
        domain: str | None = None,
        serve: bool = True,
        setup_report: SetupReport | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        style: Style | None = None,
        poll_seconds: float = POLL_SECONDS,
        server_start_seconds: float = SERVER_START_SECONDS,
    ) -> None:
        self.backend = backend
        self.port = port
        self.domain = domain or None
        self.serve = serve
        self.setup_report = setup_report
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.style = style or no_style()
        self.poll_seconds = poll_seconds
        self.server_start_seconds = server_start_seconds
        self.signalled: int | None = None
        self.public_url: str | None = None
        self.server: Server | None = None

    def run(self) -> None:
        with self.stop_signals():
            try:
                # A signal at any step skips the rest and goes straight to shutting down.
                self.start()
                if self.signalled is None:
                    self.say("Running until Ctrl+C (or SIGTERM).")
                    self.watch()
            finally:
                self.shut_down()
        self.say("Stopped: tunnel closed, " + ("server and agent stopped." if self.serve else "agent stopped."))

    @contextmanager
    def stop_signals(self) -> Iterator[None]:
        previous = {signum: signal.signal(signum, self.on_signal) for signum in STOP_SIGNALS}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Only a flag: the run notices within poll_seconds and shuts down in order.
        self.signalled = signum

    def start(self) -> None:
        self.say(f"Opening an ngrok tunnel to http://{HOST}:{self.port} ...")
        public_url = self.public_url = self.backend.open(self.port, self.domain)
        if not self.domain:
            self.warn(
                f"no --domain, so ngrok chose {public_url}, which can change at the next start and then breaks "
                f"the schema and OAuth URLs saved in the GPT. Use your free static domain (see {DOMAINS_PAGE}): "
                "--domain NAME.ngrok-free.app, or NGROK_DOMAIN=NAME.ngrok-free.app in .env."
            )
        if self.serve:
            # The server learns the public URL from its environment (ALLOWED_HOSTS, CSRF, https links).
            self.server = Server(self.port, server_environment(public_url))
            self.say(f"Starting the server ({SERVER_NAME}) on http://{HOST}:{self.port} ...")
            self.server.start(self.server_start_seconds, should_stop=lambda: self.signalled is not None)
        if self.signalled is None:
            self.announce(public_url)
        if self.signalled is None:
            self.print_setup_values(public_url)

    def announce(self, public_url: str) -> None:
        self.say("Reachable by ChatGPT at:")
        self.say(public_url)
        if self.serve:
            return
        env = tunnel_environment(public_url)
        self.say(f"Run your server on {HOST}:{self.port} with this environment:")
        for name, value in env.items():
            self.say(f"  {name}={value}")
        assignments = " ".join(f"{name}={value}" for name, value in env.items())
        self.say(f"  e.g. {assignments} python manage.py runserver {HOST}:{self.port}")
        if not listening(self.port):
            self.warn(f"nothing answers on {HOST}:{self.port} yet; ChatGPT gets an ngrok error page until it does.")

    def print_setup_values(self, public_url: str) -> None:
        if self.setup_report is None:
            return
        try:
            report = self.setup_report(base_url=public_url)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.warn(f"could not print the GPT setup values ({reason}).")
            return
        self.say(report.rstrip("\n"))

    def watch(self) -> None:
        assert self.public_url is not None
        # By host: an agent may spell the same URL with its port (https://name:443).
        host = urlsplit(self.public_url).hostname
        while self.signalled is None:
            time.sleep(self.poll_seconds)
            if self.signalled is not None:
                break
            if self.server is not None and (code := self.server.poll()) is not None:
                raise ServerError(f"the server ({SERVER_NAME}) stopped with exit code {code}.")
            if host not in {urlsplit(tunnel.public_url).hostname for tunnel in self.backend.status()}:
                raise TunnelError(f"the tunnel {self.public_url} was closed by the ngrok agent.")

    def shut_down(self) -> None:
        if self.signalled is not None:
            self.say("Stopping: closing the tunnel, then stopping the server and the agent ...")
        if self.public_url:
            self.backend.close(self.public_url)
        if self.server is not None:
            self.server.stop()
        self.backend.stop()

    def say(self, message: str) -> None:
        self.stdout.write(message + "\n")
        self.stdout.flush()  # at once, also into a pipe or a log file

    def warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"Warning: {message}") + "\n")
        self.stderr.flush()
