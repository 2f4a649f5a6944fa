"""The suite leaves nothing running: a run that does fails, naming what it left (issue 21, finding 9)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.leftovers import SESSION_MARK, marked_processes
from tests.helpers.processes import ROOT, kill

LEAKY_TEST = """
import subprocess
from pathlib import Path


def test_starts_a_server_and_forgets_it(tmp_path):
    # As `manage.py tunnel` SIGKILLed leaves its server: a process of its own session, that nobody stops.
    process = subprocess.Popen(["sleep", "300"], start_new_session=True)
    Path({pid_file!r}).write_text(str(process.pid))
"""


def test_a_run_that_leaves_a_process_running_fails_and_kills_it(tmp_path: Path):
    pid_file = tmp_path / "pid"
    test_file = tmp_path / "test_leaky.py"
    test_file.write_text(LEAKY_TEST.format(pid_file=str(pid_file)))
    try:
        result = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.helpers.leftovers"),
                *("-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), str(test_file)),
            ],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            capture_output=True,
            text=True,
            timeout=120,
        )
        pid = int(pid_file.read_text())
        assert "1 passed" in result.stdout, result.stdout + result.stderr
        assert result.returncode == 1, result.stdout
        assert "processes left behind" in result.stdout
        assert f"  {pid}: sleep 300" in result.stdout
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    finally:
        if pid_file.exists():
            kill([int(pid_file.read_text())])


def test_the_running_session_is_marked_and_has_nothing_else_running():
    mark = os.environ[SESSION_MARK]
    process = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        assert process.pid in marked_processes(mark)
    finally:
        process.kill()
        process.wait()
    assert process.pid not in marked_processes(mark)
