"""The call log on a real server: the background writer, `calls --follow` as it arrives, the write at exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_server import ROOT, gunicorn_serving, manage


def follow(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "calls", "--follow", "--interval", "0.1", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def server_env(folder: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CALL_LOG"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-server-process-only",
        **extra,
    }


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied by each test that needs one (migrating takes seconds)."""
    folder = tmp_path_factory.mktemp("migrated")
    manage(server_env(folder), "migrate", "--noinput")
    return folder / "db.sqlite3"


def shell_env(migrated: Path, folder: Path, **extra: str) -> dict[str, str]:
    shutil.copy(migrated, folder / "db.sqlite3")
    return server_env(folder, DJANGO_ALLOWED_HOSTS="testserver", **extra)


def test_calls_follow_prints_calls_as_gunicorn_writes_them(tmp_path):
    # Two workers, each with its own buffer; neither reaches a batch, so the writer's timer writes them.
    with gunicorn_serving(tmp_path, CALL_LOG_FLUSH_SECONDS="0.2") as (srv, raw_key):
        watcher = follow(server_env(tmp_path), "--count", "2")
        try:
            assert watcher.stderr.readline().startswith("Following")  # it has started looking
            srv.request("GET", "/items/1", headers={"api-key": raw_key, "openai-gpt-id": "g-live"})
            srv.request("GET", "/items/1", headers={"api-key": "gpta_" + "Q" * 40})
            out, err = watcher.communicate(timeout=30)
        finally:
            watcher.kill()
    assert watcher.returncode == 0, err
    lines = sorted(out.splitlines(), key=lambda line: line.split()[2])
    assert len(lines) == 2
    assert "  200  GET     getItem     /items/1  " in lines[0] and "custom  demo key (gpta_" in lines[0]
    assert lines[0].endswith("user=demo  gpt=g-live")
    assert "  401  GET     getItem     /items/1  " in lines[1]
    assert lines[1].endswith("custom  gpta_QQQQQQQQ…  from=127.0.0.1  error: Invalid API key.")
    assert raw_key not in out


def test_a_full_batch_is_written_at_once_and_the_rest_at_exit(migrated, tmp_path):
    env = shell_env(migrated, tmp_path, CALL_LOG_FLUSH_SECONDS="3600", CALL_LOG_BATCH_SIZE="2")
    script = (
        "import time\n"
        "from django.test import Client\n"
        "from django.db.models import Sum\n"
        "from gptcalllog.models import Call\n"
        "def count():\n"  # the calls the rows stand for: these unauthenticated ones are counted in one row
        "    return Call.objects.aggregate(n=Sum('count'))['n'] or 0\n"
        "def written(expected):\n"
        "    deadline = time.monotonic() + 20\n"
        "    while count() < expected and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        "    return count()\n"
        "Client().get('/items/')\n"
        "Client().get('/items/')\n"
        "print('a batch of two', written(2))\n"
        "Client().get('/items/')\n"
        "time.sleep(0.5)\n"
        "print('one more waits', count())\n"
    )
    out = manage(env, "shell", "--no-imports", "-c", script)
    assert out.splitlines()[-2:] == ["a batch of two 2", "one more waits 2"]
    counted = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from gptcalllog.models import Call; print(sum(Call.objects.values_list('count', flat=True)))",
    )
    assert counted.splitlines()[-1] == "3"


def test_call_log_off_in_the_environment_records_nothing(migrated, tmp_path):
    env = shell_env(migrated, tmp_path, CALL_LOG="off")
    script = (
        "from django.test import Client\n"
        "from gptcalllog.recorder import flush\n"
        "Client().get('/items/')\n"
        "print('written', flush())\n"
    )
    assert manage(env, "shell", "--no-imports", "-c", script).splitlines()[-1] == "written 0"
