"""What a fault run starts and stops: its own redis-server and PostgreSQL cluster, and `make serve` on them.

Never the shared PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379): each service here runs from a temp
dir on a free loopback port, and everything started is stopped when its context ends, whatever happened.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from throughput import children, free_port, wait_listening

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def _postgres_bin() -> Path:
    """Where initdb and pg_ctl are: on PATH (a source build's /usr/local/bin), or Debian's versioned folder."""
    found = shutil.which("initdb") or max(map(str, Path("/usr/lib/postgresql").glob("*/bin/initdb")), default=None)
    if found is None:
        raise SystemExit("initdb not found: install PostgreSQL's server (apt-get install postgresql)")
    return Path(found).parent


PG_BIN = _postgres_bin()
DATABASE = "faults"


def stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process group the process leads, SIGKILL if it lingers; waits until it is gone."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:  # a respawned worker of a server whose main process died first
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Redis:
    """A redis-server of the run's own, without persistence; stop() and start() again on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(self.folder)]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, start_new_session=True)
        wait_listening(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None


def _as_postgres() -> dict:
    """initdb and postgres refuse to run as root: run them as the postgres user when this is root."""
    if os.getuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class Postgres:
    """A PostgreSQL cluster of the run's own in a temp dir (trust auth, loopback only)."""

    def __init__(self, folder: Path) -> None:
        self.data = folder / "pgdata"
        self.socket_dir = folder / "pgsocket"
        self.port = free_port()
        self.log = folder / "postgres.log"
        for path in (folder, self.socket_dir):
            path.mkdir(exist_ok=True)
            if os.getuid() == 0:
                shutil.chown(path, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *args]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **_as_postgres())

    def start(self) -> None:
        if not self.data.exists():
            initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            subprocess.run(initdb, check=True, stdout=subprocess.DEVNULL, **_as_postgres())
        self._pg_ctl("start")
        self.sql(f"CREATE DATABASE {DATABASE}", database="postgres")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")

    def sql(self, query: str, *, database: str = DATABASE) -> list[tuple]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True) as c:
            cursor = c.execute(query)
            return cursor.fetchall() if cursor.description else []


class Server:
    """`make serve` (migrate, then granian: 2 workers, --respawn-failed-workers) on the run's own services.

    Every line it prints is kept with the time it arrived (time.monotonic()), to count what an outage logged.
    """

    # granian's access log, and the MCP door's line per tool call (gptmcp.calls), which is one too.
    ACCESS = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^"]*" \d{3}|^mcp tool=')

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = env
        self.lines: list[tuple[float, str]] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "serve",
            "HOST=127.0.0.1",
            f"PORT={self.port}",
        ]
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_listening(self.port, self.process)
        self.wait_workers(2)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None

    def granian_pid(self) -> int:
        granian = [pid for pid in descendants(self.process.pid) if _is_granian(cmdline(pid))]
        for pid in granian:
            if parent(pid) not in granian:
                return pid
        raise RuntimeError("granian's main process is not running")

    def workers(self) -> list[int]:
        return sorted(children(self.granian_pid()))

    def wait_workers(self, count: int, timeout: float = 60) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                workers = self.workers()
            except RuntimeError:
                workers = []
            if len(workers) >= count:
                return workers
            time.sleep(0.05)
        raise SystemExit(f"granian has not {count} workers after {timeout} s")

    def log_lines(self, start: float, end: float) -> tuple[int, int]:
        """Lines printed between two times: (access-log lines, every other line)."""
        chosen = [line for at, line in self.lines if start <= at < end]
        access = sum(1 for line in chosen if self.ACCESS.search(line))
        return access, len(chosen) - access

    def other_lines(self, start: float, end: float) -> list[str]:
        return [line for at, line in self.lines if start <= at < end and not self.ACCESS.search(line)]

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout


def _is_granian(command: str) -> bool:
    """granian's processes, not the shell make runs it from (whose command line names it too)."""
    return "python" in command.split(" ", 1)[0] and " -m granian " in command


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def parent(pid: int) -> int:
    try:
        return int(_stat(pid)[1])
    except OSError:
        return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cpu_time(pid: int) -> float:
    """Seconds of CPU (user + system) the process has used, 0 when it is gone."""
    try:
        user, system = _stat(pid)[11:13]
    except (OSError, ValueError):
        return 0.0
    return (int(user) + int(system)) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int | None:
    try:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return None
    return int(match.group(1)) if match else None


def server_env(database_url: str, cache_url: str, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_", "API_"))}
    return keep | {
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "INFO",
        **extra,
    }


# Users, one API key and one item each, made through the project's own services (as create_api_key does).
_MAKE_USERS = """
import json, sys
from django.contrib.auth import get_user_model
from gptactions.services import api_key_replace
from items.models import Item
made = []
for number in range({count}):
    user, _ = get_user_model().objects.get_or_create(username=f"{prefix}-{{number}}")
    _key, raw = api_key_replace(user=user, name=f"{prefix}-{{number}}")
    item = Item.objects.create(owner=user, name=f"{prefix}-seed-{{number}}", price=1)
    made.append([raw, item.pk])
sys.stdout.write(json.dumps(made))
"""


def make_users(server: Server, prefix: str, count: int) -> list[tuple[str, int]]:
    """(raw API key, an item of its user) for count new users named prefix-N."""
    out = server.manage("shell", "-c", _MAKE_USERS.format(prefix=prefix, count=count))
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


@contextmanager
def own_services(folder: Path) -> Iterator[tuple[Postgres, Redis]]:
    postgres, redis = Postgres(folder / "pg"), Redis(folder)
    try:
        postgres.start()
        redis.start()
        yield postgres, redis
    finally:
        redis.stop()
        postgres.stop()


@contextmanager
def serving(env: dict[str, str]) -> Iterator[Server]:
    server = Server(env)
    try:
        server.start()
        yield server
    finally:
        server.stop()
