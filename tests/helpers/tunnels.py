"""Shared by the tunnel tests: the stand-in agent, output to react to, and what /proc says is running."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

STANDIN = Path(__file__).resolve().parents[1] / "tunnels" / "standin_ngrok.py"


def agent_state(path: Path, timeout: float = 10) -> dict:
    """What the stand-in wrote once it was up: pid, api_url, edge_url, argv."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"the stand-in agent never wrote {path}"
        time.sleep(0.05)
    return json.loads(path.read_text())


def through_edge(edge_url: str, host: str, path: str, headers: dict[str, str] | None = None):
    """A request as ChatGPT's would arrive: at ngrok's edge (the stand-in's), for the public host."""
    _, _, hostport = edge_url.partition("://")
    address, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(address, int(port), timeout=10)
    conn.request("GET", path, headers={"Host": host, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) from /proc/PID/stat, or None once the process is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def process_tree(root: int) -> dict[int, int]:
    """Every descendant of root, as pid -> start time (so that a reused pid does not count)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            table[int(entry.name)] = stat
    found: dict[int, int] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (_, ppid, started) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = started
                frontier.append(pid)
    return found


def still_running(processes: dict[int, int]) -> list[int]:
    """Those of processes (pid -> start time) still alive; a zombie has exited and counts as gone."""
    alive = []
    for pid, started in processes.items():
        stat = _stat(pid)
        if stat and stat[2] == started and stat[0] not in "ZX":
            alive.append(pid)
    return alive


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line or environment contains marker (a test's own temporary path or port).

    The environment too: the server `manage.py tunnel` starts names neither the test's folder nor
    127.0.0.1:PORT on its command line, but inherits the command's environment (NGROK_CONFIG_PATH, in the folder).
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        stat = _stat(int(entry.name))
        if (marker in cmdline or marker in environ) and stat and stat[0] not in "ZX":
            found.append(int(entry.name))
    return found


class ActOn(io.StringIO):
    """Command output that runs `action` once a line matches, as a user reacts to what the command printed."""

    def __init__(self, pattern: str, action: Callable[[str], None]) -> None:
        super().__init__()
        self.pattern = re.compile(pattern, re.M)
        self.action = action
        self.done = False

    def write(self, text: str) -> int:
        written = super().write(text)
        match = self.pattern.search(self.getvalue())
        if match and not self.done:
            self.done = True
            self.action(match.group(0))
        return written


def sigterm_on(pattern: str) -> ActOn:
    return ActOn(pattern, lambda _: os.kill(os.getpid(), signal.SIGTERM))
