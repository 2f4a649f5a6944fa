"""`make faults [SOAK=600]`: the production server (`make serve`) through four faults, each printing its figures.

    .venv/bin/python bench/faults.py [--runs redis,postgres,kill,soak] [--soak-seconds 600]

1. redis: Redis stopped for 6 s, then started again, under a GET+POST load: answers per second, log lines the
   server wrote during the outage, when the limits held again, a key first seen during the outage.
2. postgres: PostgreSQL restarted (`pg_ctl restart -m fast`) under a create load with unique names: answers per
   second, recovery without restarting the server, every 201 with exactly one row and no row without its 201.
3. kill: a worker SIGKILLed under a create load: creates answered vs rows, call-log rows vs answered calls,
   how long until the respawned worker answers.
4. soak: a mixed GET/POST/MCP load at ~40% of the measured capacity; RSS per worker every 10 s, its slope
   (KiB per minute, least squares after the first minute).

Each run starts its own PostgreSQL cluster and redis-server (bench/fault_services.py) in a temp dir, never the
shared ones, and stops everything it started. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_load import Load, Outcome, counts, json_body, longest_gap, per_second, table
from fault_services import Postgres, Redis, cpu_time, make_users, own_services, rss_kib, server_env, serving

THREADS = 8
MCP_THREADS = 6  # in the PostgreSQL run, threads from this one on call a tool instead of creating
# Per user and minute: well above what the load sends one user, so every answer is the server's, not the limit's;
# low enough that each budget is leased from Redis in slices of ~100 calls, so the throttle asks Redis often.
THROTTLE_RATE = "3000/min"
JSON = {"Content-Type": "application/json"}


def key_headers(key: str) -> dict[str, str]:
    return {"api-key": key}


def create(key: str, title: str) -> tuple[str, tuple]:
    body = json_body({"name": title, "description": "fault run", "price": 1})
    return "POST", ("POST", "/items/", key_headers(key) | JSON, body, title)


def read(key: str, item: int) -> tuple[str, tuple]:
    return "GET", ("GET", f"/items/{item}", key_headers(key), None, "")


def mcp_call(key: str, item: int, sequence: int) -> tuple[str, tuple]:
    message = {"jsonrpc": "2.0", "id": sequence, "method": "tools/call"}
    message["params"] = {"name": "get_item", "arguments": {"id": item}}
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"} | JSON
    return "MCP", ("POST", "/mcp", headers, json_body(message), "")


def mcp_counts(outcomes: list[Outcome]) -> str:
    """Answers by HTTP status and by what the JSON-RPC body says: a result, a tool error (isError) or an error."""

    def what(outcome: Outcome) -> str:
        try:
            message = json.loads(outcome.body)
        except ValueError:
            return f"{outcome.status}"
        if "error" in message:
            return f"{outcome.status} JSON-RPC error"
        return f"{outcome.status} tool error" if message["result"].get("isError") else f"{outcome.status} result"

    return ", ".join(f"{name}: {n:,}" for name, n in sorted(Counter(map(what, outcomes)).items()))


def title_of(prefix: str, thread: int, sequence: int) -> str:
    return f"{prefix}-t{thread}-{sequence}"


def env_for(postgres: Postgres, redis: Redis) -> dict[str, str]:
    return server_env(postgres.url, redis.url, API_THROTTLE_RATE=THROTTLE_RATE)


def heading(text: str) -> None:
    print(f"\n== {text} ==", flush=True)


def show_errors(outcomes: list[Outcome], lines: list[str]) -> None:
    for outcome in outcomes:
        if isinstance(outcome.status, int) and outcome.status >= 500:
            print(f"first 5xx answer: {outcome.status} {outcome.body[:200]!r}")
            break
    # A traceback's own lines (indented, "Traceback", the "During handling" separators) are counted, not shown.
    heads = [line for line in lines if line[:1].strip() and not line.startswith(("Traceback", "During", "The above"))]
    print(f"  {len(heads)} of those {len(lines)} lines are not part of a traceback; they begin:")
    kinds = Counter(line[:72] for line in heads)
    for kind, number in kinds.most_common(8):
        print(f"  {number:>5} x {kind}")
    if len(kinds) > 8:
        print(f"  ... {len(kinds) - 8} more kinds")


# 1. Redis -----------------------------------------------------------------------------------------------------


def run_redis(postgres: Postgres, redis: Redis) -> None:
    heading("1. Redis stopped for 6 s under a GET+POST load")
    with serving(env_for(postgres, redis)) as server:
        users = make_users(server, "redis", THREADS + 1)

        def request(thread: int, sequence: int) -> tuple[str, tuple]:
            key, item = users[thread]
            return create(key, title_of("redis", thread, sequence)) if sequence % 2 else read(key, item)

        probes = Load(server.port, lambda _t, _s: ("healthz", ("GET", "/healthz", {}, None, "")), threads=1, pace=0.25)
        load = Load(server.port, request, threads=THREADS).start()
        probes.start()
        time.sleep(4)
        stopped = time.monotonic()
        redis.stop()
        time.sleep(3)
        late_key, late_item = users[THREADS]  # never used before: verified from the database during the outage
        first_seen = Load(server.port, lambda _t, _s: read(late_key, late_item), threads=1).start()
        time.sleep(0.3)
        first_seen_outcomes = first_seen.stop()
        time.sleep(6 - (time.monotonic() - stopped))
        back = time.monotonic()
        redis.start()
        time.sleep(6)
        outcomes, health = load.stop(), probes.stop()
        ended = time.monotonic()
    print(per_second(outcomes, load.started, {stopped: "Redis stopped", back: "Redis started"}))
    print(f"answers: {counts(outcomes)}")
    print(
        f"/healthz every 0.25 s: before {counts([o for o in health if o.at < stopped])}; during the outage "
        f"{counts([o for o in health if stopped <= o.at < back])}; after {counts([o for o in health if o.at >= back])}"
    )
    access, other = server.log_lines(stopped, back + 1)
    print(f"log lines from the stop to 1 s after the start: {access:,} access-log lines, {other} other lines")
    show_errors(outcomes, server.other_lines(stopped, back + 1))
    again = [at for at, line in server.lines if at >= back and "rate limits are enforced" in line]
    print(
        "limits enforced again: "
        + (
            f"{again[0] - back:.2f} s after Redis started ({len(again)} workers said so)"
            if again
            else "no 'answers again' line"
        )
    )
    healthy = [o.at for o in health if o.at >= back and o.status == 200]
    print("/healthz 200 again: " + (f"{healthy[0] - back:.2f} s after Redis started" if healthy else "never"))
    print(f"a key first used during the outage (credential memory empty for it): {counts(first_seen_outcomes)}")
    print(f"server stopped {ended - back:.1f} s after Redis started")


def call_log_rows(postgres: Postgres, prefix: str, condition: str) -> int:
    """Calls the call log holds for the run's keys (a counted row stands for `count` calls)."""
    query = f"SELECT coalesce(sum(count), 0) FROM gptcalllog_call WHERE credential_name LIKE '{prefix}-%' {condition}"
    [(logged,)] = postgres.sql(query)
    return logged


# 2. PostgreSQL ------------------------------------------------------------------------------------------------


def integrity(postgres: Postgres, outcomes: list[Outcome], prefix: str) -> tuple[str, Counter]:
    """Per outcome, how many of its titles have 0, 1 or more rows; and rows whose create was not answered 201."""
    rows = dict(postgres.sql(f"SELECT name, count(*) FROM items_item WHERE name LIKE '{prefix}-t%' GROUP BY name"))
    found: dict[str, Counter] = {}
    for outcome in outcomes:
        copies = rows.get(outcome.label, 0)
        found.setdefault(str(outcome.status), Counter())["0" if copies == 0 else "1" if copies == 1 else ">1"] += 1
    answered = {o.label for o in outcomes if o.status == 201}
    strays = Counter(
        str(next((o.status for o in outcomes if o.label == name), "never sent"))
        for name in rows
        if name not in answered
    )
    lines = [["answer", "creates", "with 1 row", "with no row", "with 2+ rows"]]
    for status, by_rows in sorted(found.items()):
        lines.append(
            [status, f"{sum(by_rows.values()):,}", f"{by_rows['1']:,}", f"{by_rows['0']:,}", f"{by_rows['>1']:,}"]
        )
    return table(lines), strays


def run_postgres(postgres: Postgres, redis: Redis) -> None:
    heading("2. PostgreSQL restarted (pg_ctl restart -m fast) under a create load")
    with serving(env_for(postgres, redis)) as server:
        users = make_users(server, "pg", THREADS)

        def request(thread: int, sequence: int) -> tuple[str, tuple]:
            key, item = users[thread]
            return (
                mcp_call(key, item, sequence)
                if thread >= MCP_THREADS
                else create(key, title_of("pg", thread, sequence))
            )

        load = Load(server.port, request, threads=THREADS, keep_bodies=True).start()
        time.sleep(4)
        restarting = time.monotonic()
        postgres.restart()
        restarted = time.monotonic()
        time.sleep(8)
        outcomes = load.stop()
        time.sleep(1.5)  # the call log's last batch
    events = {restarting: "restart begins", restarted: "PostgreSQL accepts connections"}
    print(per_second(outcomes, load.started, events))
    print(f"answers: {counts(outcomes)}; restart took {restarted - restarting:.2f} s")
    mcp = [o for o in outcomes if o.kind == "MCP"]
    print(f"MCP tools/call get_item (2 of the 8 threads): {mcp_counts(mcp)}")
    outcomes = [o for o in outcomes if o.kind == "POST"]
    failures = [o for o in outcomes if o.status != 201]
    if failures:
        print(
            f"failed answers from {failures[0].at - restarting:+.2f} s to {failures[-1].at - restarting:+.2f} s "
            "after the restart began"
        )
    access, other = server.log_lines(restarting, restarted + 2)
    print(f"log lines from the restart to 2 s after: {access:,} access-log lines, {other} other lines")
    show_errors(outcomes, server.other_lines(restarting, restarted + 2))
    after = [o.at for o in outcomes if o.at > restarted and o.status == 201]
    print("first 201 after PostgreSQL was back: " + (f"{after[0] - restarted:.2f} s" if after else "none"))
    report, strays = integrity(postgres, outcomes, "pg")
    print(report)
    print(f"rows whose create was not answered 201: {sum(strays.values())} {dict(strays) or ''}")
    logged = call_log_rows(postgres, "pg", "AND door = 'api' AND method = 'POST'")
    print(
        f"call log: {logged:,} rows for {len(outcomes):,} answered creates (the batches the writers could not "
        "write while PostgreSQL restarted are dropped, one log line each)"
    )


# 3. A worker SIGKILLed ----------------------------------------------------------------------------------------


def run_kill(postgres: Postgres, redis: Redis) -> None:
    heading("3. A worker SIGKILLed under a create load")
    with serving(env_for(postgres, redis)) as server:
        users = make_users(server, "kill", THREADS)
        load = Load(server.port, lambda t, s: create(users[t][0], title_of("kill", t, s)), threads=THREADS).start()
        time.sleep(4)
        before = server.workers()
        killed_at = time.monotonic()
        os.kill(before[0], signal.SIGKILL)
        while set(server.wait_workers(2)) & {before[0]}:
            time.sleep(0.01)
        respawned = time.monotonic()
        time.sleep(8)
        outcomes = load.stop()
        after = server.workers()
        time.sleep(1.5)
    # The server is stopped (SIGTERM): the surviving workers wrote their waiting calls at exit.
    print(per_second(outcomes, load.started, {killed_at: f"SIGKILL {before[0]}", respawned: "new worker"}))
    print(f"answers: {counts(outcomes)}; workers before {before}, after {after}")
    print(
        f"new worker process {respawned - killed_at:.2f} s after the kill; the longest time without a 201 "
        f"around it: {longest_gap(outcomes, killed_at - 1, killed_at + 5, lambda o: o.status == 201):.2f} s"
    )
    report, strays = integrity(postgres, outcomes, "kill")
    print(report)
    print(f"rows whose create was not answered 201: {sum(strays.values())} {dict(strays) or ''}")
    answered = sum(1 for o in outcomes if o.status == 201)
    logged = call_log_rows(postgres, "kill", "AND door = 'api' AND method = 'POST' AND status = 201")
    rate = sum(1 for o in outcomes if killed_at - 1 <= o.at < killed_at and o.status == 201)
    print(
        f"call log: {logged:,} rows for {answered:,} answered creates: {answered - logged:,} lost "
        f"(the server answered {rate:,} creates in the second before the kill, both workers together)"
    )


# 4. Soak ------------------------------------------------------------------------------------------------------


def slope_kib_per_minute(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 2:
        return float("nan")
    return statistics.linear_regression([t / 60 for t, _ in samples], [float(r) for _, r in samples]).slope


def run_soak(postgres: Postgres, redis: Redis, seconds: int) -> None:
    heading(f"4. Soak: {seconds} s of mixed GET/POST/MCP load at ~40% of capacity")
    with serving(env_for(postgres, redis)) as server:
        users = make_users(server, "soak", THREADS)

        def request(thread: int, sequence: int) -> tuple[str, tuple]:
            key, item = users[thread]
            kind = sequence % 4
            if kind == 0:
                return read(key, item)
            if kind == 1:
                return "LIST", ("GET", "/items/", key_headers(key), None, "")
            if kind == 2:
                return create(key, title_of("soak", thread, sequence))
            return mcp_call(key, item, sequence)

        probe = Load(server.port, request, threads=THREADS).start()
        time.sleep(3)
        measured_from = time.monotonic()
        time.sleep(5)
        capacity = sum(1 for o in probe.stop() if o.at >= measured_from) / (time.monotonic() - measured_from)
        target = 0.4 * capacity
        load = Load(server.port, request, threads=THREADS, pace=THREADS / target, reconnect_every=20).start()
        samples: dict[int, list[tuple[float, int]]] = {}
        while time.monotonic() - load.started < seconds:
            now = time.monotonic() - load.started
            for pid in server.workers():
                rss = rss_kib(pid)
                if rss is not None:
                    samples.setdefault(pid, []).append((now, rss))
            time.sleep(max(0.0, 10 - (time.monotonic() - load.started - now)))
        cpu_seconds = {pid: cpu_time(pid) for pid in samples}
        outcomes = load.stop()
        elapsed = time.monotonic() - load.started
    print(
        f"capacity (unpaced, 8 threads, the same mix): {capacity:.0f} req/s; soak target {target:.0f} req/s, "
        f"sent {len(outcomes) / elapsed:.0f} req/s"
    )
    by_kind = Counter((o.kind, str(o.status)) for o in outcomes)
    print("answers: " + ", ".join(f"{kind} {status}: {n:,}" for (kind, status), n in sorted(by_kind.items())))
    warm_up = 60 if seconds >= 180 else seconds / 3
    rows = [["worker", "CPU s", "samples", "start RSS KiB", "end RSS KiB", f"slope after {warm_up:.0f} s, KiB/min"]]
    for pid, series in samples.items():
        settled = [(t, r) for t, r in series if t >= warm_up]
        rows.append(
            [
                str(pid),
                f"{cpu_seconds.get(pid, 0):.0f}",
                str(len(series)),
                f"{series[0][1]:,}",
                f"{series[-1][1]:,}",
                f"{slope_kib_per_minute(settled):+.1f}",
            ]
        )
    print(table(rows))
    minutes = [["worker", *(f"{m} min" for m in range(0, int(seconds // 60) + 1))]]
    for pid, series in samples.items():
        at_minute = {int(t // 60): r for t, r in reversed(series)}  # the first sample of each minute
        minutes.append([str(pid), *(f"{at_minute[m]:,}" if m in at_minute else "" for m in range(len(minutes[0]) - 1))])
    print("RSS KiB at the start of each minute:")
    print(table(minutes))


RUNS = {"redis": run_redis, "postgres": run_postgres, "kill": run_kill, "soak": run_soak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated, of " + ", ".join(RUNS))
    parser.add_argument("--soak-seconds", type=int, default=600)
    args = parser.parse_args()
    chosen = [name.strip() for name in args.runs.split(",") if name.strip()]
    if unknown := set(chosen) - set(RUNS):
        parser.error(f"unknown runs: {', '.join(sorted(unknown))}")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f} at the start (other work on the machine counts)"
    )
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        os.chmod(folder, 0o755)  # the postgres user reaches its cluster inside it
        with own_services(Path(folder)) as (postgres, redis):
            for name in chosen:
                if name == "soak":
                    run_soak(postgres, redis, args.soak_seconds)
                else:
                    RUNS[name](postgres, redis)


if __name__ == "__main__":
    main()
