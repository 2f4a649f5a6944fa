"""Issue 20's targets, each with the figure this run measured and PASS or MISS (the bench asserts nothing)."""

from __future__ import annotations

import statistics

from load import median

# The table's rows the targets compare (bench/throughput.py measures them in alternated rounds).
REST_GET = "GET /items/{id} bearer"
REST_GET_BARE = "GET bearer, throttle+log off"
REST_GET_GUNICORN = "GET bearer, gunicorn sync"
REST_GET_NO_ACCESS_LOG = "GET bearer, no access log"
SEED = "FastAPI plain, 1 worker"
SEED_NO_ACCESS_LOG = "FastAPI plain, no access log"
SEED_BEST = "FastAPI std, 2 workers"
REFERENCE_ROWS = (SEED, SEED_NO_ACCESS_LOG, SEED_BEST, "FastMCP")  # rows (or their start) not ours
MCP_GET, FASTMCP_GET = "MCP get_item", "FastMCP get_item"
MCP_LIST, FASTMCP_LIST = "MCP list_items", "FastMCP list_items"
MCP_GET_NEWEST, FASTMCP_GET_NEWEST = "MCP get_item, 2026-07-28", "FastMCP get_item, 2026-07-28"
P99_LIMIT_MS = 50


def ratios(results: dict, mine: str, theirs: str) -> list[float]:
    """mine's req/s over theirs', round by round (both ran in every round)."""
    return [a["rps"] / b["rps"] for a, b in zip(results[mine], results[theirs], strict=True)]


def ratio_line(results: dict, mine: str, theirs: str) -> tuple[float, str]:
    each = ratios(results, mine, theirs)
    rounds = ", ".join(f"{ratio:.2f}" for ratio in each)
    return statistics.median(each), f"{statistics.median(each):.2f}x ({rounds})"


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def print_targets(results: dict, rss: dict[str, float], seconds: int, connections: int, limit: str) -> None:
    lines = []
    for label, mine, theirs, at_least in [
        ("GET ≥ 1.0x the seed's FastAPI (plain, 1 worker)", REST_GET, SEED, 1.0),
        ("GET under gunicorn ≥ 0.8x the seed's FastAPI", REST_GET_GUNICORN, SEED, 0.8),
        ("GET / the seed's, neither writing an access log", REST_GET_NO_ACCESS_LOG, SEED_NO_ACCESS_LOG, None),
        ("GET / FastAPI's best install (std, 2 workers)", REST_GET, SEED_BEST, None),
        ("GET, throttle and log on ≥ 0.9x both off", REST_GET, REST_GET_BARE, 0.9),
        ("MCP get_item ≥ 1.0x FastMCP get_item", MCP_GET, FASTMCP_GET, 1.0),
        ("MCP get_item ≥ 0.5x our REST GET", MCP_GET, REST_GET, 0.5),
        ("MCP list_items / FastMCP list_items", MCP_LIST, FASTMCP_LIST, None),
        ("MCP get_item / FastMCP, both in 2026-07-28", MCP_GET_NEWEST, FASTMCP_GET_NEWEST, None),
        ("MCP get_item in 2026-07-28 / our REST GET", MCP_GET_NEWEST, REST_GET, None),
    ]:
        value, text = ratio_line(results, mine, theirs)
        lines.append((label, text, verdict(value >= at_least) if at_least else "report"))

    each = ratios(results, REST_GET, SEED)
    decay = each[-1] / each[0]
    judged = len(each) >= 3 and seconds >= 5
    lines.append(
        (
            "No decay: GET / seed, last round ≥ 0.9x first",
            f"{decay:.2f}x ({each[0]:.2f} → {each[-1]:.2f}; {len(each)} rounds of {seconds} s at {limit})"
            + ("" if judged else "; too short to judge: needs ≥ 3 rounds of ≥ 5 s"),
            verdict(decay >= 0.9) if judged else "n/a",
        )
    )
    for label, rows in (
        ("every row of ours", [row for row in results if not row.startswith(REFERENCE_ROWS)]),
        ("the references' rows", [row for row in results if row.startswith(REFERENCE_ROWS)]),
    ):
        worst = max(rows, key=lambda row: median(results[row], "p99"))
        worst_p99 = median(results[worst], "p99")
        lines.append(
            (
                f"p99 < {P99_LIMIT_MS} ms at {connections} connections, {label}",
                f"worst {worst_p99:.1f} ms ({worst})",
                verdict(worst_p99 < P99_LIMIT_MS) if label == "every row of ours" else "report",
            )
        )
    lines += [(f"Peak RSS per worker: {server}", f"{mb:.0f} MB", "report") for server, mb in rss.items()]
    print("\nTargets (issue 20); a ratio is the median of the rounds' ratios, each round's in brackets")
    width = max(len(label) for label, _, _ in lines)
    for label, measured, outcome in lines:
        print(f"{outcome:<6} {label:<{width}}  {measured}")
