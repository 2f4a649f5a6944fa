"""Real commands in subprocesses, as a user types them in the project's folder; and what the suite left running."""

from __future__ import annotations

import ast
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


# The rate limits' file of each environment below: the servers of one test share it, no two tests do.
_RATE_LIMIT_FILES = Path(tempfile.mkdtemp(prefix="ratelimits-"))
atexit.register(shutil.rmtree, _RATE_LIMIT_FILES, ignore_errors=True)


def environment(**values: str) -> dict[str, str]:
    """This process's environment without the project's settings (DEBUG off), plus values.

    Without make's own variables too: under `make test DATABASE_URL=…` (CI) MAKEFLAGS carries that
    assignment into any make the test runs, where it would beat the environment's DATABASE_URL. With
    a rate-limit file of its own (RATE_LIMIT_FILE), so that no test's failures count in another's limits.
    """
    dropped = ("DJANGO_", "DATABASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "RATE_LIMIT_FILE")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    budgets = _RATE_LIMIT_FILES / f"{uuid.uuid4().hex}.sqlite3"
    return {**kept, "DJANGO_DEBUG": "0", "RATE_LIMIT_FILE": str(budgets), **values}


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """args run in the project's folder, to the end (at most a minute), with their output captured."""
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick), for a server the test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a process started with start_new_session=True and everything in its group: SIGTERM, then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever outlived its leader
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    # SIGKILL is delivered, not done: a killed server may hold its port a moment longer. Wait until the group
    # is gone (its reparented members are reaped by init), so that the caller finds the port free.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)


def kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def servers(env: dict[str, str], count: int = 2) -> Iterator[list[str]]:
    """count production servers (granian, one worker each) on free loopback ports: their base URLs; stopped after."""
    from tunnels.server import Server

    with ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            server = Server(port, env, workers=1)
            stack.callback(server.stop)
            server.start(timeout=30, should_stop=lambda: False)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


def evaluated_in_fresh_process(code: str, env: dict[str, str]) -> Any:
    """What code prints last (a Python literal), run with config.settings in a process of its own under env."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return ast.literal_eval(result.stdout.strip().splitlines()[-1])
