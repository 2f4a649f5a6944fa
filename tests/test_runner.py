from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage_test(*args: str) -> subprocess.CompletedProcess[str]:
    # The nested run uses its own in-memory SQLite, never the outer run's test database.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_ADDOPTS")}
    return subprocess.run(
        [sys.executable, "manage.py", "test", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_test_runs_the_pytest_suite() -> None:
    result = manage_test("tests/items/test_commands.py", "-k", "unknown_user")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_manage_py_test_reports_failure(tmp_path: Path) -> None:
    # A test that really fails: a crash, a usage error or "no tests ran" exit non-zero too, but not with 1.
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert 1 == 2\n")
    result = manage_test(str(failing))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
