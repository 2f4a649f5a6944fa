"""Real commands in subprocesses, as a user types them in the project's folder."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment(**values: str) -> dict[str, str]:
    """This process's environment without the project's settings (DEBUG off), plus values."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return {**kept, "DJANGO_DEBUG": "0", **values}


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """args run in the project's folder, to the end (at most a minute), with their output captured."""
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
