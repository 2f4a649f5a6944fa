"""Benchmark: SQL per authenticated GET /items/{id}, and its throughput under gunicorn.

Usage: .venv/bin/python bench/throughput.py [--workers 2] [--seconds 10] [--connections 16]
Needs `wrk` (Debian package) for the throughput part. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def count_queries(env: dict[str, str]) -> str:
    script = (
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "from items.models import Item\n"
        "from items.services import api_key_create\n"
        "item = Item.objects.first()\n"
        "_, key = api_key_create(user=item.owner, name='bench')\n"
        "client = Client(HTTP_API_KEY=key)\n"
        "client.get(f'/items/{item.pk}')  # first use records last_used_at\n"
        "with CaptureQueriesContext(connection) as q:\n"
        "    status = client.get(f'/items/{item.pk}').status_code\n"
        "writes = [x for x in q.captured_queries if not x['sql'].lstrip().upper().startswith('SELECT')]\n"
        "print(f'status {status}: {len(q)} SQL queries, {len(writes)} writes')\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread, keep-alive)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DEMO_PASSWORD": "bench-password",
        "API_THROTTLE_RATE": "",  # measure the API, not the 429s
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    raw_key = subprocess.run(
        [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.splitlines()[-1]
    print("Authenticated GET /items/1:", count_queries(env))

    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk): throughput not measured")
        return
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{port}"),
            *(("--threads", str(args.threads)) if args.threads > 1 else ()),
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/items/1"
        wrk = ["wrk", "-t2", f"-c{args.connections}", "-H", f"api-key: {raw_key}"]
        subprocess.run([*wrk, "-d2s", url], check=True, capture_output=True)  # warm-up
        result = subprocess.run(
            [*wrk, f"-d{args.seconds}s", "--latency", url], check=True, capture_output=True, text=True
        )
        kind = f"gthread x {args.threads}" if args.threads > 1 else "sync"
        print(f"gunicorn, {args.workers} {kind} workers, wrk {args.connections} connections, {args.seconds} s:")
        print(result.stdout)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
