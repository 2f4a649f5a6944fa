"""Real commands in subprocesses, as a user types them in the project's folder."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment(**values: str) -> dict[str, str]:
    """This process's environment without the project's settings (DEBUG off), plus values.

    Without make's own variables too: under `make test DATABASE_URL=…` (CI) MAKEFLAGS carries that
    assignment into any make the test runs, where it would beat the environment's DATABASE_URL.
    """
    dropped = ("DJANGO_", "DATABASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**kept, "DJANGO_DEBUG": "0", **values}


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """args run in the project's folder, to the end (at most a minute), with their output captured."""
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
