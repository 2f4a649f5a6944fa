"""`make serve` as a user runs it in a checkout where `make run` wrote .env: real make, real granian (issue 21).

The Makefile's own target, on a free port and a temporary SQLite file. `-o .venv/.installed` keeps make from
reinstalling the virtualenv this test runs in (in a git worktree .venv is a link, which make sees as stale).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from subprocess import PIPE

from tests.helpers.processes import ROOT, environment, free_port, stop_group
from tests.helpers.tunnels import process_tree, still_running
from tests.test_server import Server
from tunnels.server import listening, production_argv

# What `make run` leaves in .env: settings read .env only for variables the environment lacks, so a
# variable set here stands for it (and for anything a user exported).
AS_DOT_ENV = {"DJANGO_DEBUG": "1"}


def make_serve(port: int) -> list[str]:
    return ["make", "--no-print-directory", "-o", ".venv/.installed", "serve", f"PORT={port}"]


@contextmanager
def serving(tmp_path: Path, **values: str) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    env = environment(**AS_DOT_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **values)
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        make_serve(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not listening(port):
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        yield process, port
    finally:
        stop_group(process)
        log.close()


def workers_of(make: subprocess.Popen) -> list[int]:
    """granian's live worker processes: the children of its main process (the first granian under make)."""
    # By its argv (`python -m granian`): make's shell (`sh -c "… -m granian …"`) is one argument.
    main = min(pid for pid in process_tree(make.pid) if b"-m\0granian\0" in Path(f"/proc/{pid}/cmdline").read_bytes())
    return sorted(still_running(process_tree(main)))


def healthz(port: int) -> int:
    try:
        response, _ = Server(port).request("GET", "/healthz")
    except OSError:
        return 0
    return response.status


class MakeServeTests:
    def test_debug_is_off_whatever_dot_env_says(self, tmp_path):
        with serving(tmp_path, DJANGO_SECRET_KEY="make-serve-test-key") as (_, port):
            response, body = Server(port).request("GET", "/no-such-page", headers={"Accept": "application/json"})
        assert response.status == HTTPStatus.NOT_FOUND
        assert json.loads(body) == {"detail": "Not found."}  # DEBUG's page is HTML naming every URL pattern

    def test_without_a_secret_key_it_stops_at_migrate_with_one_line(self, tmp_path):
        port = free_port()
        env = environment(**AS_DOT_ENV, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
        process = subprocess.Popen(
            make_serve(port), cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE, text=True, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=60)
        finally:
            stop_group(process)  # had it started a server, that server too
        assert process.returncode != 0
        assert "DJANGO_SECRET_KEY is not set" in stderr
        assert "Traceback" not in stderr
        assert "granian" not in stdout  # the server never started
        assert not listening(port)

    def test_a_worker_killed_with_sigkill_is_replaced_and_requests_go_on(self, tmp_path):
        with serving(tmp_path, DJANGO_SECRET_KEY="make-serve-test-key") as (make, port):
            assert {healthz(port) for _ in range(10)} == {HTTPStatus.OK}
            workers = workers_of(make)
            assert len(workers) == 2, workers

            os.kill(workers[0], signal.SIGKILL)  # as the OOM killer does

            statuses = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and (len(statuses) < 20 or set(statuses[-20:]) != {HTTPStatus.OK}):
                statuses.append(healthz(port))
                time.sleep(0.05)
            assert set(statuses[-20:]) == {HTTPStatus.OK}, statuses
            deadline = time.monotonic() + 10
            while len(workers_of(make)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            replaced = workers_of(make)
            assert len(replaced) == 2 and workers[0] not in replaced, replaced
            assert {healthz(port) for _ in range(20)} == {HTTPStatus.OK}
        assert not listening(port)


def test_every_granian_command_shipped_is_one_command():
    # The tunnel's server (tunnels.server.production_argv), `make serve`, the README's and the bench's production
    # command: granian's default stops serving once a worker dies; one thread per worker; the access log (which
    # the bench once left out, measuring a server nobody runs).
    commands = [" ".join(production_argv("config.wsgi.application", "127.0.0.1", 8000))]
    for path in ("Makefile", "README.md", "bench/throughput.py"):
        text = (ROOT / path).read_text().replace("\\\n", " ").replace('"\n    "', "")
        commands += [line for line in text.splitlines() if "granian --interface wsgi" in line]
    assert len(commands) == 4, commands
    for option in ("--respawn-failed-workers", "--blocking-threads 1", "--no-ws", "--access-log"):
        assert all(option in command for command in commands), (option, commands)
