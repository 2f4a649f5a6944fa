"""A pytest plugin: the run fails if a process it started is still alive at the end (issue 21, finding 9).

`make test` used to leave a granian server behind on every run: `manage.py tunnel` was SIGKILLed, and its
server, in a session of its own, was adopted by init. tests/conftest.py takes these hooks; a run of a few
files can load the plugin alone (`-p tests.helpers.leftovers`).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers.processes import kill

# Every process the suite starts inherits this variable (its environment is os.environ, or a copy of it):
# it marks them even once their parent died and they were adopted by init. /proc/PID/environ is a
# process's environment as it started, so a child that set its own mark still carries this run's.
SESSION_MARK = "GPT_ACTIONS_TEST_SESSION"
_MARK = pytest.StashKey[str]()


def mark_session() -> str:
    """Mark every process started from now on as this session's (see SESSION_MARK)."""
    mark = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    os.environ[SESSION_MARK] = mark
    return mark


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"  # a zombie has exited


def marked_processes(mark: str) -> dict[int, str]:
    """Live processes (but this one) started with SESSION_MARK=mark: pid -> command line."""
    wanted = f"{SESSION_MARK}={mark}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            marked = wanted in (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone, or not ours to read
            continue
        if marked and _alive(int(entry.name)):
            found[int(entry.name)] = cmdline
    return found


def leftovers(mark: str, grace: float = 5) -> dict[int, str]:
    """The session's processes still alive after grace seconds (a server's workers outlive it a moment)."""
    deadline = time.monotonic() + grace
    while (found := marked_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_MARK] = mark_session()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a process it started is still alive; kill what is left, by pid, for the next run."""
    mark = session.config.stash.get(_MARK, None)
    left = leftovers(mark) if mark else {}
    if not left:
        return
    kill(list(left))
    lines = [f"{len(left)} process(es) the tests started were still running at the end (now killed):"]
    lines += [f"  {pid}: {cmdline[:200]}" for pid, cmdline in sorted(left.items())]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_sep("=", "processes left behind", red=True)
        reporter.write_line("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
