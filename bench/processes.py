"""The bench's servers as processes: a free port, started and waited for, stopped, and their workers' peak memory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server on port {port} did not start: {process.args}") from None
            time.sleep(0.1)


@contextmanager
def serving(
    argv: list[str], env: dict[str, str], port: int, cwd: Path = ROOT, *, quiet: bool = False
) -> Iterator[subprocess.Popen]:
    """The server of argv, listening on port; its output (access logs) discarded, and its stderr too when quiet."""
    stderr = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    try:
        wait_listening(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident set (VmHWM) among the server's worker processes, in MB."""
    peaks = []
    for worker in children(pid) or [pid]:
        status = Path(f"/proc/{worker}/status")
        match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks, default=0.0)
