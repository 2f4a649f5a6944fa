"""`make bench`: the Items API and its /mcp under the production server, beside the services they are measured against.

    .venv/bin/python bench/throughput.py [--seconds 6] [--rounds 3] [--connections 32]
    .venv/bin/python bench/throughput.py --servers   # the authenticated GET under each candidate server
    .venv/bin/python bench/throughput.py --configurations  # the GET by throttle store and call log

Builds a fresh SQLite database (bench/fixture.py: 10,000 items, 100 users, 1,000 API keys, 100 OAuth
tokens) and starts, side by side, the production server (2 workers, `make serve`'s command) with the shipped
defaults (throttle and call log on; the per-user limit raised to one the load never reaches), the same with
both off, the same under gunicorn, the seed's FastAPI service (bench/seed/app.py) as its users ran it
(`uvicorn app:app`, plain install, one worker), each as shipped with its access log, and both without it,
the seed at its best (`uvicorn[standard]`, 2 workers, no access log), and our five item tools in
FastMCP (bench/fastmcp_items/app.py, 2 workers); the references each from a virtualenv of their own under
data/bench/ (bench/references.py, outside requirements.txt). Our /mcp and FastMCP must first list the same
tools and answer alike, or the bench stops. Then wrk (one key or token per row, as the seed is called) drives
the compared rows in alternated rounds, and each other row once; the table gives req/s, p50, p99, non-2xx
answers, SQL queries per request (cold, warm, bookkeeping writes) and each round's req/s, then the ratios
and issue 20's targets with PASS or MISS, and peak RSS per worker. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from load import Request, figures, lua_rotation, per_round, wrk
from mcp_calls import NEWEST_PROTOCOL_VERSION as NEWEST
from mcp_calls import PROTOCOL_VERSION, check_alike, tool_call
from processes import ROOT, free_port, peak_rss_mb, serving
from references import (
    BENCH,
    FASTMCP_TOKEN,
    REFERENCES,
    ensure_venvs,
    fastmcp_serving,
    python_of,
    reference_serving,
    seed_reference,
)
from targets import (
    FASTMCP_GET,
    FASTMCP_GET_NEWEST,
    FASTMCP_LIST,
    MCP_GET,
    MCP_GET_NEWEST,
    MCP_LIST,
    REST_GET,
    REST_GET_BARE,
    REST_GET_GUNICORN,
    REST_GET_NO_ACCESS_LOG,
    SEED,
    SEED_BEST,
    SEED_NO_ACCESS_LOG,
    print_targets,
    ratio_line,
)

REDIS_URL = "redis://127.0.0.1:6379/13"  # the bench's own Redis database, emptied of its keys after each run

# The production command (`make serve`'s, tunnels/server.py's and the README's, its access log included) and the
# candidates measured, each writing its access log as the README runs it.
SERVERS = {
    "granian-wsgi": "{py} -m granian --interface wsgi config.wsgi:application --host 127.0.0.1 --port {port} "
    "--workers 2 --blocking-threads 1 --respawn-failed-workers --no-ws --access-log --log-level warning",
    "gunicorn-sync": "{py} -m gunicorn config.wsgi -b 127.0.0.1:{port} -w 2 --access-logfile - --log-level warning",
    "gunicorn-gthread": "{py} -m gunicorn config.wsgi -b 127.0.0.1:{port} -w 2 --threads 4 --access-logfile - "
    "--log-level warning",
    "granian-asgi": "{py} -m granian --interface asgi config.asgi:application --host 127.0.0.1 --port {port} "
    "--workers 2 --no-ws --access-log --log-level warning",
    # uvicorn is no dependency of the project: it runs from the bench's FastAPI venv over the project's packages.
    "uvicorn-asgi": "{uvicorn_py} -m uvicorn config.asgi:application --host 127.0.0.1 --port {port} --workers 2",
}
PRODUCTION = "granian-wsgi"


def auth_headers(style: str, credential: str) -> dict[str, str]:
    if style == "custom":
        return {"api-key": credential}
    if style == "basic":
        return {"Authorization": "Basic " + base64.b64encode(credential.encode()).decode()}
    return {"Authorization": f"Bearer {credential}"}


def rows_of(credentials: dict) -> dict[str, list[Request]]:
    """Each REST row's requests: one key (or token) per row, as the seed is called, and a row rotating over all keys."""
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
# The shipped defaults (local-memory cache, throttle and call log on) but for the per-user limit, raised to one
# the load never reaches (issue 20): the bench measures what the throttle costs, not 429s.
LIMIT = "1000000/min"
BOTH_OFF = {"CALL_LOG": "0", "API_THROTTLE_RATE": ""}


def prepare(folder: Path) -> tuple[dict[str, str], dict]:
    settings = ("DJANGO_", "DATABASE_URL", "CACHE_URL", "API_", "CALL_LOG", "RATE_LIMIT")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(settings)},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "API_THROTTLE_RATE": LIMIT,
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
    uvicorn_py = python_of(REFERENCES[SEED_BEST][0])
    return SERVERS[name].format(py=sys.executable, uvicorn_py=uvicorn_py, port=port).split()


# Several servers in a row hammer one user's count within a minute (--servers: 5 of them, ~20,000 calls
# each): still throttled, at a rate they can't reach.
UNREACHABLE_LIMIT = {"API_THROTTLE_RATE": "100000000/min"}


def compare_servers(args: argparse.Namespace, env: dict[str, str], credentials: dict, folder: Path) -> None:
    script = lua_rotation(rows_of(credentials)[REST_GET], folder)
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


# The GET by throttle store and call log: the shipped defaults (the local-memory cache: each process its own
# budget), Redis as the cache (one budget shared through it), and neither throttle nor log.
CONFIGURATIONS = {
    "defaults, call log on": {},
    "defaults, call log off": {"CALL_LOG": "0"},
    "Redis, call log on": {"CACHE_URL": REDIS_URL},
    "no throttle, log off": BOTH_OFF,
}


def compare_configurations(args: argparse.Namespace, env: dict[str, str], credentials: dict, folder: Path) -> None:
    """The authenticated GET under each of CONFIGURATIONS and the seed's plain FastAPI, all running, alternated."""
    script = lua_rotation(rows_of(credentials)[REST_GET], folder)
    seed_script, seed_env = seed_reference(folder)
    ports = {name: free_port() for name in [*CONFIGURATIONS, SEED]}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in ports}
    with ExitStack() as stack:
        for name, overrides in CONFIGURATIONS.items():
            stack.enter_context(serving(server_argv(PRODUCTION, ports[name]), {**env, **overrides}, ports[name]))
        stack.enter_context(reference_serving(SEED, ports[SEED], seed_env))
        scripts = {name: seed_script if name == SEED else script for name in ports}
        for name, port in ports.items():
            wrk(port, scripts[name], 2, args.connections)  # warm-up
        for round_number in range(args.rounds):
            print(f"Round {round_number + 1}/{args.rounds} ...", flush=True)
            for name, port in ports.items():
                results[name].append(wrk(port, scripts[name], args.seconds, args.connections))
    print(f"\nAuthenticated GET /items/{{id}} (Bearer API key), {PRODUCTION}, wrk -c{args.connections}")
    print(f"median of {args.rounds} alternated rounds; ratio: to {SEED} in the same round")
    print(f"{'configuration':<24} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'ratio':>6}")
    for name, runs in results.items():
        print(f"{name:<24} {figures(runs)} {ratio_line(results, name, SEED)[1]}")


# The main run's servers, all running side by side, and the rows wrk drives on each.
OURS = f"{PRODUCTION}, defaults"
OURS_BOTH_OFF = f"{PRODUCTION}, throttle+log off"
OURS_NO_ACCESS_LOG = f"{PRODUCTION}, no access log"
GUNICORN = "gunicorn-sync, defaults"
FASTMCP = "FastMCP, uvicorn 2 workers"
MCP_KEY = 60  # the MCP rows' key: a user of their own, whose budget the REST rows don't spend


def owner_of(folder: Path, item: int) -> int:
    with sqlite3.connect(folder / "db.sqlite3") as database:
        return database.execute("SELECT owner_id FROM items_item WHERE id = ?", (item,)).fetchone()[0]


def plan_of(credentials: dict, folder: Path) -> tuple[dict[str, tuple[str, Path]], list[str]]:
    """Each row's server and wrk script, and the rows measured in every round (the others run once, after)."""
    rest = rows_of(credentials)
    key, item = credentials["keys"][MCP_KEY]
    seed_script, _env = seed_reference(folder)
    plan = {name: (OURS, lua_rotation(requests, folder)) for name, requests in rest.items()}
    get = plan[REST_GET][1]
    plan |= {
        REST_GET_BARE: (OURS_BOTH_OFF, get),
        REST_GET_GUNICORN: (GUNICORN, get),
        REST_GET_NO_ACCESS_LOG: (OURS_NO_ACCESS_LOG, get),
        SEED: (SEED, seed_script),
        SEED_NO_ACCESS_LOG: (SEED_NO_ACCESS_LOG, seed_script),
        SEED_BEST: (SEED_BEST, seed_script),
        MCP_GET: (OURS, lua_rotation([tool_call("get_item", {"id": item}, key)], folder)),
        FASTMCP_GET: (FASTMCP, lua_rotation([tool_call("get_item", {"id": item}, FASTMCP_TOKEN)], folder)),
        MCP_LIST: (OURS, lua_rotation([tool_call("list_items", {}, key)], folder)),
        FASTMCP_LIST: (FASTMCP, lua_rotation([tool_call("list_items", {}, FASTMCP_TOKEN)], folder)),
        MCP_GET_NEWEST: (OURS, lua_rotation([tool_call("get_item", {"id": item}, key, NEWEST)], folder)),
        FASTMCP_GET_NEWEST: (
            FASTMCP,
            lua_rotation([tool_call("get_item", {"id": item}, FASTMCP_TOKEN, NEWEST)], folder),
        ),
    }
    return plan, [
        REST_GET,
        REST_GET_BARE,
        REST_GET_GUNICORN,
        REST_GET_NO_ACCESS_LOG,
        SEED,
        SEED_NO_ACCESS_LOG,
        SEED_BEST,
        MCP_GET,
        FASTMCP_GET,
        MCP_LIST,
        FASTMCP_LIST,
        MCP_GET_NEWEST,
        FASTMCP_GET_NEWEST,
    ]


def main_table(args: argparse.Namespace, env: dict[str, str], credentials: dict, folder: Path) -> None:
    queries = query_counts(env, folder)
    plan, every_round = plan_of(credentials, folder)
    key, item = credentials["keys"][MCP_KEY]
    seed_env = seed_reference(folder)[1]
    servers = (OURS, OURS_BOTH_OFF, OURS_NO_ACCESS_LOG, GUNICORN, SEED, SEED_NO_ACCESS_LOG, SEED_BEST, FASTMCP)
    ports = {name: free_port() for name in servers}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in plan}
    with ExitStack() as stack:
        processes = {
            OURS: serving(server_argv(PRODUCTION, ports[OURS]), env, ports[OURS]),
            OURS_BOTH_OFF: serving(server_argv(PRODUCTION, ports[OURS_BOTH_OFF]), env | BOTH_OFF, ports[OURS_BOTH_OFF]),
            OURS_NO_ACCESS_LOG: serving(
                [arg for arg in server_argv(PRODUCTION, ports[OURS_NO_ACCESS_LOG]) if arg != "--access-log"],
                env,
                ports[OURS_NO_ACCESS_LOG],
            ),
            GUNICORN: serving(server_argv("gunicorn-sync", ports[GUNICORN]), env, ports[GUNICORN]),
            SEED: reference_serving(SEED, ports[SEED], seed_env),
            SEED_NO_ACCESS_LOG: reference_serving(SEED_NO_ACCESS_LOG, ports[SEED_NO_ACCESS_LOG], seed_env),
            SEED_BEST: reference_serving(SEED_BEST, ports[SEED_BEST], seed_env),
            FASTMCP: fastmcp_serving(ports[FASTMCP], folder / "db.sqlite3", owner_of(folder, item)),
        }
        processes = {name: stack.enter_context(process) for name, process in processes.items()}
        check_alike((ports[OURS], key), (ports[FASTMCP], FASTMCP_TOKEN), item)
        for server, script in plan.values():
            wrk(ports[server], script, 2, args.connections)  # warm-up: every worker verifies its keys once
        for round_number in range(args.rounds):
            print(f"Round {round_number + 1}/{args.rounds} ...", flush=True)
            for name in every_round:
                server, script = plan[name]
                results[name].append(wrk(ports[server], script, args.seconds, args.connections))
        for name in [name for name in plan if name not in every_round]:
            server, script = plan[name]
            results[name].append(wrk(ports[server], script, args.seconds, args.connections))
        rss = {name: peak_rss_mb(process.pid) for name, process in processes.items()}
    print_table(args, results, queries, every_round)
    print_targets(results, rss, args.seconds, args.connections, LIMIT)


def print_table(args: argparse.Namespace, results: dict, queries: dict, every_round: list[str]) -> None:
    print(
        f"\n{OURS}: 2 workers, SQLite, shipped defaults (throttle and call log on) but a per-user limit of {LIMIT}; "
        f"wrk -t2 -c{args.connections}, {args.seconds} s per run.\nRows with one req/s per round ran in "
        f"{args.rounds} alternated rounds (req/s, p50, p99: medians of the rounds); the others once, after them."
    )
    header = (
        f"{'row':<30} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8} {'SQL cold/warm/writes':>21}  "
        "req/s by round"
    )
    print(header)
    print("-" * len(header))
    for name, runs in results.items():
        counts = queries.get(QUERY_ROWS.get(name, ""), None)
        sql = f"{counts[0]} / {counts[1]} / {counts[2]}" if counts else "-"
        rounds = per_round(runs) if name in every_round else ""
        print(f"{name:<30} {figures(runs)} {sql:>21}  {rounds}")
    print(
        f"\nOur servers write their access logs as shipped (`make serve`, the README's gunicorn command) and {SEED} "
        "runs as its users ran it, `uvicorn app:app`, which logs each request too;"
        f"\n{REST_GET_BARE}: {OURS} with CALL_LOG=0 and no throttle; {REST_GET_GUNICORN}: `gunicorn config.wsgi -w 2 "
        f"--access-logfile -`;\n{REST_GET_NO_ACCESS_LOG} and {SEED_NO_ACCESS_LOG}: the same two without their access "
        "logs;"
        f"\nMCP rows: tools/call with a key of their own user, on {OURS}'s /mcp and on {FASTMCP} (a static token), "
        f"in protocol {PROTOCOL_VERSION} as ChatGPT and Claude send it;\nthe {NEWEST} rows as the SDK's own client "
        "sends them (an envelope in _meta, Mcp-Method and Mcp-Name headers)."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--servers", action="store_true", help="compare the candidate servers instead")
    parser.add_argument("--configurations", action="store_true", help="the GET by throttle store and call log")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        print("Building the bench database (10,000 items, 100 users, 1,000 keys) ...", flush=True)
        env, credentials = prepare(folder)
        ensure_venvs()
        if args.servers:
            compare_servers(args, env, credentials, folder)
        elif args.configurations:
            compare_configurations(args, env, credentials, folder)
        else:
            main_table(args, env, credentials, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        cleanup_redis()


if __name__ == "__main__":
    main()
