"""The project's server behind the tunnel: granian, as in production (`make serve`), a child of `manage.py tunnel`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import IO

from django.conf import settings

HOST = "127.0.0.1"
# The production server: measured fastest of gunicorn (sync, gthread), granian (WSGI, ASGI) and uvicorn by
# bench/throughput.py --servers (issue 9). Its access log has no user field: a Basic-auth key is never logged.
SERVER_NAME = "granian"


def production_argv(wsgi_application: str, host: str, port: int, workers: int = 2) -> list[str]:
    """The production command (the Makefile's `serve` and the README say the same).

    One blocking thread per worker: granian's default of many threads per WSGI worker makes them
    queue on the GIL (measured slower than gunicorn); the requests themselves are short.
    """
    module, _, attribute = wsgi_application.rpartition(".")
    return [
        *(sys.executable, "-m", "granian", "--interface", "wsgi", f"{module}:{attribute}"),
        *("--host", host, "--port", str(port), "--workers", str(workers), "--blocking-threads", "1"),
        "--respawn-failed-workers",  # granian's default stops serving once a worker dies (issue 21, finding 15)
        *("--no-ws", "--access-log", "--log-level", "warning", "--workers-kill-timeout", "5"),
    ]


class ServerError(Exception):
    """The server did not come up; the message is one line."""


def tunnel_environment(public_url: str) -> dict[str, str]:
    """What any server behind the tunnel needs: settings derive ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS from it."""
    return {"PUBLIC_BASE_URL": public_url, "DJANGO_TRUST_PROXY": "1"}


def server_environment(public_url: str) -> dict[str, str]:
    """The environment of the server this command starts: public, hence DEBUG off, with the key in use here."""
    env = {**os.environ, **tunnel_environment(public_url), "DJANGO_DEBUG": "0"}
    # With DEBUG on, settings keep a generated key under data/; the server must sign with that same key.
    env.setdefault("DJANGO_SECRET_KEY", settings.SECRET_KEY)
    return env


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        # As the server binds: a socket left in TIME_WAIT does not count, a listener does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def listening(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Server:
    def __init__(self, port: int, env: dict[str, str], workers: int = 2, log: IO[bytes] | None = None) -> None:
        self.port = port
        self.argv = production_argv(settings.WSGI_APPLICATION, HOST, port, workers)
        self.env = env
        self.log = log  # where its output goes (the access log among it); None: this process's own
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float, should_stop: Callable[[], bool]) -> None:
        """Start the server and wait until it accepts connections; raises ServerError."""
        # Its own session (process group): Ctrl+C reaches the command, which stops the server in order,
        # and stop() can end the master and its workers together.
        self.proc = subprocess.Popen(  # noqa: S603  (our own argv: this Python, granian, WSGI_APPLICATION)
            self.argv, cwd=settings.BASE_DIR, env=self.env, start_new_session=True, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + timeout
        while not listening(self.port):
            code = self.proc.poll()
            if code is not None:
                raise ServerError(
                    f"the server ({SERVER_NAME}) exited with code {code} before listening on port {self.port}."
                )
            if should_stop():
                return
            if time.monotonic() > deadline:
                raise ServerError(
                    f"the server ({SERVER_NAME}) did not listen on port {self.port} within {timeout:.0f} s."
                )
            time.sleep(0.1)

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()  # a graceful shutdown: workers finish their requests
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        if hasattr(os, "killpg"):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # whatever is left of the group
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        # The workers outlive their main process by a moment (granian's are killed after it): return once
        # nothing holds the port any more, so the caller may bind it again.
        deadline = time.monotonic() + timeout
        while port_in_use(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
