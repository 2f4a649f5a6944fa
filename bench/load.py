"""wrk: a Lua script sending given requests round robin, one run's figures, and a row's figures over its runs."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import uuid
from pathlib import Path

Request = tuple[str, str, dict[str, str], str | None]  # method, path, headers, body


def lua_rotation(requests: list[Request], folder: Path) -> Path:
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


def median(runs: list[dict[str, float]], figure: str) -> float:
    return statistics.median(run[figure] for run in runs)


def figures(runs: list[dict[str, float]]) -> str:
    """req/s, p50, p99 (medians of the runs) and the worst share of non-2xx answers."""
    rps, p50, p99 = (median(runs, name) for name in ("rps", "p50", "p99"))
    return f"{rps:>8.0f} {p50:>7.2f} {p99:>7.2f} {max(run['bad'] for run in runs):>8.1%}"


def per_round(runs: list[dict[str, float]]) -> str:
    """Each round's req/s in order, so that a rate falling from round to round shows."""
    return " ".join(f"{run['rps']:.0f}" for run in runs)
