"""`make bench`: the Items API under its production server, side by side with the FastAPI service it replaces.

    .venv/bin/python bench/throughput.py [--seconds 6] [--rounds 3] [--connections 32]
    .venv/bin/python bench/throughput.py --servers   # the authenticated GET under each candidate server
    .venv/bin/python bench/throughput.py --configurations  # the GET with and without throttle and call log

Builds a fresh SQLite database (bench/fixture.py: 10,000 items, 100 users, 1,000 API keys, 100 OAuth
tokens), starts the production server (2 workers, Redis as the cache, throttling on), drives it with wrk
(one key or token per row, as the seed is called; one row rotates over all 1,000 keys) and prints one
table: req/s, p50, p99, non-2xx answers, SQL queries per request (cold, warm, bookkeeping writes)
and peak RSS per worker.
The authenticated GET is measured in rounds alternating with the seed's FastAPI service
(bench/seed/app.py) run as its users ran it (`uvicorn app:app`, plain install, one worker) and at its
best (`uvicorn[standard]`, 2 workers), each from its own virtualenv under data/bench/ (made here, outside
requirements.txt); the ratios are medians over the rounds. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENVS = ROOT / "data" / "bench"
REFERENCES = {
    "FastAPI plain, 1 worker": ("venv-plain", "uvicorn", 1),
    "FastAPI std, 2 workers": ("venv-standard", "uvicorn[standard]", 2),
}
REDIS_URL = "redis://127.0.0.1:6379/13"  # the bench's own Redis database, emptied of its keys after each run

# The production command (keep equal to `make serve` and tunnels/server.py) and the candidates measured.
SERVERS = {
    "granian-wsgi": "{py} -m granian --interface wsgi config.wsgi:application --host 127.0.0.1 --port {port} "
    "--workers 2 --blocking-threads 1 --respawn-failed-workers --no-ws --log-level warning",
    "gunicorn-sync": "{py} -m gunicorn config.wsgi -b 127.0.0.1:{port} -w 2 --log-level warning",
    "gunicorn-gthread": "{py} -m gunicorn config.wsgi -b 127.0.0.1:{port} -w 2 --threads 4 --log-level warning",
    "granian-asgi": "{py} -m granian --interface asgi config.asgi:application --host 127.0.0.1 --port {port} "
    "--workers 2 --no-ws --log-level warning",
    # uvicorn is no dependency of the project: it runs from the bench's FastAPI venv over the project's packages.
    "uvicorn-asgi": "{uvicorn_py} -m uvicorn config.asgi:application --host 127.0.0.1 --port {port} --workers 2 "
    "--log-level warning --no-access-log",
}
PRODUCTION = "granian-wsgi"


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
def serving(argv: list[str], env: dict[str, str], port: int, cwd: Path = ROOT) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
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


def lua_rotation(requests: list[tuple[str, str, dict[str, str], str | None]], folder: Path) -> Path:
    """A wrk script sending the given requests round robin (each wrk thread from its own starting point)."""
    lines = ["local requests = {}", "local i = 0", "init = function(args)"]
    for method, path, headers, body in requests:
        header_table = ", ".join(f'["{name}"] = "{value}"' for name, value in headers.items())
        body_lua = "nil" if body is None else json.dumps(body)
        lines.append(f'  table.insert(requests, wrk.format("{method}", "{path}", {{{header_table}}}, {body_lua}))')
    lines += [
        "  i = math.random(#requests)",
        "end",
        "request = function()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ]
    script = folder / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout

    def latency_ms(label: str) -> float:
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency_ms("50%"),
        "p99": latency_ms("99%"),
        "bad": (int(non_2xx.group(1)) if non_2xx else 0) / max(total, 1),
        "socket_errors": errors.group(0) if errors else "",
    }


def ensure_reference_venvs() -> None:
    for folder, uvicorn, _workers in REFERENCES.values():
        python = VENVS / folder / "bin" / "python"
        if not python.exists():
            print(f"Installing the seed's FastAPI ({uvicorn}) into data/bench/{folder} ...", flush=True)
            subprocess.run([sys.executable, "-m", "venv", str(VENVS / folder)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "fastapi", uvicorn], check=True)


def auth_headers(style: str, credential: str) -> dict[str, str]:
    if style == "custom":
        return {"api-key": credential}
    if style == "basic":
        return {"Authorization": "Basic " + base64.b64encode(credential.encode()).decode()}
    return {"Authorization": f"Bearer {credential}"}


def rows_of(credentials: dict) -> dict[str, list[tuple[str, str, dict[str, str], str | None]]]:
    """Each row's requests: one key (or token) per row, as the seed is called, and a row rotating over all keys."""
    keys, tokens = credentials["keys"], credentials["tokens"]
    rows = {"GET /healthz": [("GET", "/healthz", {}, None)]}
    for number, style in enumerate(("bearer", "basic", "custom")):
        key, item = keys[number * 10]  # three users
        rows[f"GET /items/{{id}} {style}"] = [("GET", f"/items/{item}", auth_headers(style, key), None)]
    token, item = tokens[3]
    rows["GET /items/{id} oauth"] = [("GET", f"/items/{item}", auth_headers("oauth", token), None)]
    rows["GET /items/{id} 1,000 keys"] = [
        ("GET", f"/items/{item}", auth_headers("custom", key), None) for key, item in keys
    ]
    key, _item = keys[40]
    rows["GET /items/ (20)"] = [("GET", "/items/", auth_headers("custom", key), None)]
    body = json.dumps({"name": "Bench item", "description": "Made by wrk", "price": 12.5, "tax": 1.25})
    json_headers = {"Content-Type": "application/json"}
    rows["POST /items/"] = [("POST", "/items/", {**auth_headers("custom", keys[50][0]), **json_headers}, body)]
    return rows


QUERY_ROWS = {
    "GET /healthz": "healthz",
    "GET /items/{id} bearer": "get-bearer",
    "GET /items/{id} basic": "get-basic",
    "GET /items/{id} custom": "get-custom",
    "GET /items/{id} oauth": "get-oauth",
    "GET /items/{id} 1,000 keys": "get-custom",
    "GET /items/ (20)": "list",
    "POST /items/": "post",
}


def prepare(folder: Path) -> tuple[dict[str, str], dict]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL", "API_"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "CACHE_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        # On, but above what 100 users reach here: the bench measures the throttle's cost, not 429s.
        "API_THROTTLE_RATE": "100000/min",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    credentials_file = folder / "credentials.json"
    subprocess.run([sys.executable, str(BENCH / "fixture.py"), str(credentials_file)], cwd=ROOT, env=env, check=True)
    return env, json.loads(credentials_file.read_text())


def query_counts(env: dict[str, str], folder: Path) -> dict[str, list[int]]:
    out = subprocess.run(
        [sys.executable, str(BENCH / "queries.py"), str(folder / "credentials.json")],
        cwd=ROOT,
        env={**env, "DJANGO_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cleanup_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=":1:*"):  # the throttles' counts (Django's default key prefix and version)
        client.delete(key)


def server_argv(name: str, port: int) -> list[str]:
    uvicorn_py = VENVS / REFERENCES["FastAPI std, 2 workers"][0] / "bin" / "python"
    return SERVERS[name].format(py=sys.executable, uvicorn_py=uvicorn_py, port=port).split()


# Several servers in a row hammer one user's count within a minute (--servers: 5 of them, ~20,000 calls
# each): still throttled, at a rate they can't reach, where 100000/min turned the later servers' calls into 429s.
UNREACHABLE_LIMIT = {"API_THROTTLE_RATE": "100000000/min"}


def compare_servers(args: argparse.Namespace, env: dict[str, str], credentials: dict, folder: Path) -> None:
    script = lua_rotation(rows_of(credentials)["GET /items/{id} bearer"], folder)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in SERVERS}
    site_packages = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site_packages)]), **UNREACHABLE_LIMIT}
    for _round in range(args.rounds):
        for name in SERVERS:
            port = free_port()
            with serving(server_argv(name, port), env, port):
                wrk(port, script, 2, args.connections)  # warm-up: every worker verifies the keys
                results[name].append(wrk(port, script, args.seconds, args.connections))
    print(f"\nAuthenticated GET /items/{{id}} (Bearer API key), 2 workers, wrk -c{args.connections}")
    print(f"median of {args.rounds} alternated rounds")
    print(f"{'server':<18} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
    for name, runs in results.items():
        print(f"{name:<18} {figures(runs)}")


# What the authenticated GET costs with the two things the seed never did, a throttle shared by every worker
# (Redis) and the call log; without both, what is left is the ceiling no throttle or log tuning can pass.
# The local-memory cache is not among them: DRF's throttle pickles the whole history (one float per call
# within the period) on each call there, so at the bench's unreachable limit it would measure the bench.
CONFIGURATIONS = {
    "Redis, call log on": {"CALL_LOG": "1"},  # what `make bench`'s table measures
    "Redis, call log off": {"CALL_LOG": "0"},
    "no throttle, log off": {"CALL_LOG": "0", "API_THROTTLE_RATE": ""},
}


def compare_configurations(args: argparse.Namespace, env: dict[str, str], credentials: dict, folder: Path) -> None:
    """The authenticated GET under each of CONFIGURATIONS and the seed's plain FastAPI, all running, alternated."""
    script = lua_rotation(rows_of(credentials)["GET /items/{id} bearer"], folder)
    seed_script, seed_env = seed_reference(folder)
    reference = "FastAPI plain, 1 worker"
    env = {**env, **UNREACHABLE_LIMIT}
    ports = {name: free_port() for name in [*CONFIGURATIONS, reference]}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in ports}
    with ExitStack() as stack:
        for name, overrides in CONFIGURATIONS.items():
            stack.enter_context(serving(server_argv(PRODUCTION, ports[name]), {**env, **overrides}, ports[name]))
        stack.enter_context(reference_serving(reference, ports[reference], seed_env))
        scripts = {name: seed_script if name == reference else script for name in ports}
        for name, port in ports.items():
            wrk(port, scripts[name], 2, args.connections)  # warm-up
        for round_number in range(args.rounds):
            print(f"Round {round_number + 1}/{args.rounds} ...", flush=True)
            for name, port in ports.items():
                results[name].append(wrk(port, scripts[name], args.seconds, args.connections))
    print(f"\nAuthenticated GET /items/{{id}} (Bearer API key), {PRODUCTION}, wrk -c{args.connections}")
    print(f"median of {args.rounds} alternated rounds; ratio: to {reference} in the same round")
    print(f"{'configuration':<24} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'ratio':>6}")
    for name, runs in results.items():
        ratios = [run["rps"] / theirs["rps"] for run, theirs in zip(runs, results[reference], strict=True)]
        print(f"{name:<24} {figures(runs)} {statistics.median(ratios):>5.2f}x")


def figures(runs: list[dict[str, float]]) -> str:
    """req/s, p50, p99 (medians of the runs) and the worst share of non-2xx answers."""
    rps, p50, p99 = (statistics.median(run[name] for run in runs) for name in ("rps", "p50", "p99"))
    return f"{rps:>8.0f} {p50:>7.2f} {p99:>7.2f} {max(run['bad'] for run in runs):>8.1%}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--servers", action="store_true", help="compare the candidate servers instead")
    parser.add_argument("--configurations", action="store_true", help="the GET with and without throttle and log")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        print("Building the bench database (10,000 items, 100 users, 1,000 keys) ...", flush=True)
        env, credentials = prepare(folder)
        ensure_reference_venvs()
        if args.servers:
            compare_servers(args, env, credentials, folder)
            return
        if args.configurations:
            compare_configurations(args, env, credentials, folder)
            return
        queries = query_counts(env, folder)
        rows = rows_of(credentials)
        scripts = {name: lua_rotation(requests, folder) for name, requests in rows.items()}
        seed_script, seed_env = seed_reference(folder)

        port = free_port()
        results: dict[str, list[dict[str, float]]] = {}
        with serving(server_argv(PRODUCTION, port), env, port) as server:
            reference_ports = {name: free_port() for name in REFERENCES}
            plain, standard = (reference_serving(name, reference_ports[name], seed_env) for name in REFERENCES)
            with plain, standard:
                for script in scripts.values():
                    wrk(port, script, 2, args.connections)  # warm-up: every worker verifies its keys once
                for name in REFERENCES:
                    wrk(reference_ports[name], seed_script, 2, args.connections)
                main_row = "GET /items/{id} bearer"
                for round_number in range(args.rounds):
                    print(f"Round {round_number + 1}/{args.rounds} ...", flush=True)
                    for name, script in scripts.items():
                        if round_number == 0 or name == main_row:
                            results.setdefault(name, []).append(wrk(port, script, args.seconds, args.connections))
                    for name in REFERENCES:
                        results.setdefault(name, []).append(
                            wrk(reference_ports[name], seed_script, args.seconds, args.connections)
                        )
            rss = peak_rss_mb(server.pid)
        print_table(args, results, queries, rss, main_row)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        cleanup_redis()


def seed_reference(folder: Path) -> tuple[Path, dict[str, str]]:
    """The wrk script calling the seed's GET /items/1 with its key, and the environment its FastAPI runs with."""
    seed_key = "gpta_seedkey" + "0" * 30
    script = lua_rotation([("GET", "/items/1", {"Authorization": f"Bearer {seed_key}"}, None)], folder)
    return script, {**os.environ, "SEED_API_KEY": seed_key, "SEED_DATABASE": str(folder / "seed.db")}


def reference_serving(name: str, port: int, env: dict[str, str]) -> AbstractContextManager[subprocess.Popen]:
    folder, _uvicorn, workers = REFERENCES[name]
    python = str(VENVS / folder / "bin" / "python")
    argv = [python, "-m", "uvicorn", "app:app", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    return serving(argv, env, port, BENCH / "seed")


def print_table(args: argparse.Namespace, results: dict, queries: dict, rss: float, main_row: str) -> None:
    print(
        f"\n{PRODUCTION} (2 workers, SQLite, Redis cache, throttling on), wrk -t2 -c{args.connections}, "
        f"{args.seconds} s per run; {main_row} and FastAPI: median of {args.rounds} alternated rounds"
    )
    header = f"{'endpoint':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'SQL cold/warm/writes':>21}"
    print(header)
    print("-" * len(header))
    for name, runs in results.items():
        counts = queries.get(QUERY_ROWS.get(name, ""), None)
        sql = f"{counts[0]} / {counts[1]} / {counts[2]}" if counts else "-"
        print(f"{name:<26} {figures(runs)} {sql:>21}")
    print(f"\nPeak RSS per worker ({PRODUCTION}): {rss:.0f} MB")
    ours = [r["rps"] for r in results[main_row]]
    for name in REFERENCES:
        ratios = [mine / theirs["rps"] for mine, theirs in zip(ours, results[name], strict=True)]
        rounds = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"{main_row} / {name}: {statistics.median(ratios):.2f}x  (rounds: {rounds})")


if __name__ == "__main__":
    main()
