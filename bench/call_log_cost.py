"""Benchmark: what the call log adds to an authenticated GET /items/{id}, in process (no server, no network).

Usage: .venv/bin/python bench/call_log_cost.py [--requests 300] [--rounds 8]  (CPU time: request thread, writer)
       .venv/bin/python bench/call_log_cost.py --callgrind   (instructions, valgrind; slow)
       .venv/bin/python bench/call_log_cost.py --latency     (wall time per request and the rate, written as served)

Rounds alternate CALL_LOG off and on, so that a noisy machine slows both alike. "on" shows apart what a
request thread pays (recording each call) and what the writer thread pays (the round's calls made into
rows and written with one INSERT), each divided by the requests; --callgrind counts the same with a run
that records without writing; --latency writes the log as a server does (the defaults: a batch of
CALL_LOG_BATCH_SIZE=200 by the request that fills it, at request_finished, the rest every second by the
writer thread) and times each request: until it is answered (p50, p99, max: what a caller waits for) and
until close() returns (the worker's time, a batch's write included), and gives the rate with the log on
against off (the mean of the worker's time per request, round by round). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def prepared_env(folder: Path) -> tuple[dict[str, str], str]:
    """A migrated, seeded SQLite file; the environment that uses it and the demo key."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CALL_LOG"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DEMO_PASSWORD": "bench-password",
        # An empty API_THROTTLE_RATE reads as unset (600/min), which would turn the runs into 429s.
        "API_THROTTLE_RATE": "1000000/s",
        # The writer thread stays asleep: each round writes its calls itself, inside the measurement.
        "CALL_LOG_FLUSH_SECONDS": "3600",
        "CALL_LOG_BATCH_SIZE": "1000000",
        "PYTHONHASHSEED": "0",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return env, out.stdout.splitlines()[-1]


def serve(
    requests: int,
    log_on: bool,
    *,
    write: bool = True,
    latencies: list[float] | None = None,
    busy: list[float] | None = None,
) -> tuple[float, float]:
    """Runs `requests` GET /items/1 through the WSGI handler, then the log's write when on.

    Returns the CPU seconds of the requests (what a request thread pays) and of the write (the writer's).

    CPU time, not wall time: on a shared machine the wait for a core is most of the noise.
    """
    from django.conf import settings

    from gptcalllog.conf import conf as call_log_conf
    from gptcalllog.recorder import discard, flush

    settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG": log_on}
    call_log_conf.reload()  # a plain assignment sends no setting_changed
    started = time.process_time()
    for _ in range(requests):
        begun = time.perf_counter()
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/items/1",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_API_KEY": os.environ["BENCH_KEY"],
            "HTTP_OPENAI_GPT_ID": "g-bench",
            "HTTP_OPENAI_CONVERSATION_ID": "c0ffee00-0000-4000-8000-000000000000",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        response = APPLICATION(environ, lambda status, headers: None)
        b"".join(response)
        answered = time.perf_counter()
        response.close()  # as a WSGI server does once the body is sent: Django's request_finished
        if latencies is not None and busy is not None:
            latencies.append(answered - begun)
            busy.append(time.perf_counter() - begun)
    served = time.process_time()
    if log_on and latencies is None:
        flush() if write else discard()
    return served - started, time.process_time() - served


def in_process(args: argparse.Namespace) -> None:
    global APPLICATION
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    from django.core.wsgi import get_wsgi_application

    APPLICATION = get_wsgi_application()
    serve(50, False)  # warm-up: imports, the connection, the key's last use
    serve(50, True)
    if args.child is not None:  # one measured run for callgrind: `requests` calls in one mode
        serve(args.requests, args.child != "off", write=args.child == "on")
        return
    if args.latency:
        measure_latency(args)
        return
    times: dict[bool, list[float]] = {False: [], True: []}
    writes: list[float] = []
    for _ in range(args.rounds):
        for log_on in (False, True):
            served, written = serve(args.requests, log_on)
            times[log_on].append(served / args.requests * 1e6)
            if log_on:
                writes.append(written / args.requests * 1e6)
    off, on, write = statistics.median(times[False]), statistics.median(times[True]), statistics.median(writes)
    print(f"{args.rounds} alternated rounds of {args.requests} GET /items/1, median CPU time per request:")
    print(f"  CALL_LOG=off {off:8.1f} µs")
    print(f"  CALL_LOG=on  {on:8.1f} µs  on the request thread (recording the call)")
    print(f"  + writer     {write:8.1f} µs  (its share of the round's one INSERT, off the request thread)")
    print(f"  request thread: added {on - off:+.1f} µs per request, ratio on/off {on / off:.3f}")
    print(f"  in all: added {on + write - off:+.1f} µs per request, ratio on/off {(on + write) / off:.3f}")


def measure_latency(args: argparse.Namespace) -> None:
    latencies: dict[bool, list[float]] = {False: [], True: []}
    busy: dict[bool, list[float]] = {False: [], True: []}
    rates: list[float] = []
    for _ in range(args.rounds):
        means = {}
        for log_on in (False, True):
            round_busy: list[float] = []
            serve(args.requests, log_on, latencies=latencies[log_on], busy=round_busy)
            busy[log_on] += round_busy
            means[log_on] = statistics.fmean(round_busy)
        rates.append(means[False] / means[True])
    print(
        f"{args.rounds} alternated rounds of {args.requests} GET /items/1, wall time per request, the log written as on"
        " a server:\n  answered: until the body is made (what the caller waits for); busy: until close() returns"
        " (the worker's time, a full batch's write included)"
    )
    for log_on, label in ((False, "CALL_LOG=off"), (True, "CALL_LOG=on ")):
        for name, values in (("answered", latencies[log_on]), ("busy", busy[log_on])):
            ordered = sorted(values)
            p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]
            print(
                f"  {label} {name:<9} p50 {p50 * 1e6:7.0f} µs  p99 {p99 * 1e6:7.0f} µs  max {ordered[-1] * 1e6:7.0f} µs"
            )
    rounds = " ".join(f"{rate:.2f}" for rate in rates)
    print(f"  rate with the log on / off (mean busy time, median of the rounds): {statistics.median(rates):.3f}")
    print(f"  by round: {rounds}")


def instructions(env: dict[str, str], mode: str, requests: int) -> int:
    out = subprocess.run(
        [
            *("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"),
            *(sys.executable, __file__, "--child", mode, "--requests", str(requests)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def under_callgrind(env: dict[str, str], args: argparse.Namespace) -> None:
    n = args.requests
    print(f"Instructions per GET /items/1 (callgrind, runs of {n} and {2 * n} requests, difference / {n}):")
    per_request = {}
    for mode, label in (("off", "CALL_LOG=off"), ("record", "recorded, not written"), ("on", "CALL_LOG=on")):
        per_request[mode] = (instructions(env, mode, 2 * n) - instructions(env, mode, n)) / n
        print(f"  {label:<22} {per_request[mode]:12,.0f}")
    off = per_request["off"]
    for mode, label in (("record", "on the request thread"), ("on", "in all (with the writer)")):
        print(f"  {label}: added {per_request[mode] - off:+,.0f} per request, ratio {per_request[mode] / off:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--child", choices=["on", "off", "record"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None or os.environ.get("BENCH_KEY"):
        in_process(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        env, key = prepared_env(Path(folder))
        env["BENCH_KEY"] = key
        if args.latency:  # the writer as on a server
            env.update(CALL_LOG_FLUSH_SECONDS="1", CALL_LOG_BATCH_SIZE="200")
        if args.callgrind:
            under_callgrind(env, args)
        else:
            subprocess.run([sys.executable, __file__, *sys.argv[1:]], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
