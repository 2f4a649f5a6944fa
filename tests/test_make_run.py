"""`make run` as the README says to use it, twice, and once more while it runs: real make, real runserver."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path

from tests.helpers.processes import ROOT, environment, free_port, run
from tests.test_server import Server
from tunnels.server import listening

COPY_LINE = "Copy the API key on the next line"


class MakeRun:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # runserver's autoreloader child goes with it
        )
        self.lines: list[str] = []

    def read_until_serving(self) -> str:
        """The lines printed up to the key, and the key; then wait for the server to listen."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if len(self.lines) > 1 and self.lines[-2].startswith(COPY_LINE):
                break
        deadline = time.monotonic() + 30
        while not listening(self.port):
            assert time.monotonic() < deadline and self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        return self.lines[-1]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def make_run(port: int, env: dict[str, str]) -> Iterator[MakeRun]:
    run = MakeRun(port, env)
    try:
        yield run
    finally:
        run.stop()


def demo_keys(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM gptactions_apikey")]


def status_with(server: Server, key: str) -> int:
    response, _ = server.request("GET", "/items/", headers={"api-key": key})
    return response.status


def test_make_run_twice_keeps_one_demo_key_and_a_busy_port_changes_nothing(tmp_path):
    database = tmp_path / "db.sqlite3"
    # API_AUTH_CACHE_SECONDS=0: the running server checks every key, so the rotated one fails at once.
    env = environment(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{database}", API_AUTH_CACHE_SECONDS="0")
    env.pop("DEMO_PASSWORD", None)
    port = free_port()
    server = Server(port)

    with make_run(port, env) as first:
        first_key = first.read_until_serving()
        summary = "\n".join(first.lines)
        assert f"Demo server: http://127.0.0.1:{port}/" in summary
        assert "Demo user: demo / " in summary and "shown on this first run only" in summary
        assert status_with(server, first_key) == HTTPStatus.OK

        busy = run(["make", "--no-print-directory", "run", f"PORT={port}"], env)
        assert busy.returncode != 0
        assert f"Port {port} on 127.0.0.1 is in use" in busy.stderr
        assert "migrate" not in busy.stdout and "gpta_" not in busy.stdout  # it stopped before doing anything
        assert demo_keys(database) == ["demo key"]

        # A later run's seeding (what `make run` does after the port check) rotates the one demo key.
        again = run([sys.executable, "manage.py", "seed_demo", "--port", str(port)], env)
        assert again.returncode == 0, again.stderr
        summary = again.stdout
        assert "Demo user: demo / " not in summary  # the password is not shown again...
        assert 'make manage ARGS="changepassword demo"' in summary  # ...but how to set a new one is
        second_key = summary.splitlines()[-1]
        assert demo_keys(database) == ["demo key"]  # rotated, not added
        assert status_with(server, second_key) == HTTPStatus.OK
        assert status_with(server, first_key) == HTTPStatus.UNAUTHORIZED


def test_make_manage_runs_a_command_with_the_virtualenv(tmp_path):
    env = environment(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = run(["make", "--no-print-directory", "manage", "ARGS=check --tag models"], env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
