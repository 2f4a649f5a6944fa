"""Where an authenticated API call spends its time, in-process (no server, no network).

    .venv/bin/python bench/hotpath.py [--endpoint get|list|post|mcp|mcp-list] [--style custom|bearer|basic|oauth]
                                      [--requests 2000] [--profile]

--endpoint: GET /items/{id} (the default), GET /items/ (a page of 20), POST /items/, or /mcp's tools/call
get_item for the same item or list_items (as bench/mcp_calls.py sends them; --style bearer or oauth).

Builds a bench database once (under data/bench-profile/), warms up, then either times N requests
through the WSGI handler (µs per request) or prints cProfile's top entries for them. For A/B
comparisons on a busy machine, count instructions instead:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/hotpath.py --requests 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python bench/hotpath.py --requests 300

(each run warms up with 200 requests first)

(the difference of the two totals, divided by 300, is the cost of one request).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "data" / "bench-profile"


def environment(throttle_rate: str = "100000/min") -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{FOLDER / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "API_THROTTLE_RATE": throttle_rate,
    }


def ensure_database() -> dict:
    credentials = FOLDER / "credentials.json"
    if not credentials.exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **environment()}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "bench/fixture.py", str(credentials)], cwd=ROOT, env=env, check=True)
    return json.loads(credentials.read_text())


def headers_for(style: str, credential: str) -> dict[str, str]:
    if style == "custom":
        return {"HTTP_API_KEY": credential}
    if style == "basic":
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credential.encode()).decode()}
    return {"HTTP_AUTHORIZATION": f"Bearer {credential}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="get", choices=["get", "list", "post", "mcp", "mcp-list"])
    parser.add_argument("--style", default="custom", choices=["custom", "bearer", "basic", "oauth"])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--throttle", default="100000/min", help='API_THROTTLE_RATE ("" turns it off for A/B runs)')
    args = parser.parse_args()

    data = ensure_database()
    os.environ.update(environment(args.throttle))
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    # POST as another user than the reads: the items it adds would slow the list's count.
    credential, item_id = data["tokens" if args.style == "oauth" else "keys"][-1 if args.endpoint == "post" else 0]
    body = json.dumps({"name": "Bench item", "description": "Made by the bench.", "price": 9.5, "tax": 1.2}).encode()
    environ = {
        "REQUEST_METHOD": "POST" if args.endpoint == "post" else "GET",
        "PATH_INFO": f"/items/{item_id}" if args.endpoint == "get" else "/items/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **headers_for(args.style, credential),
    }
    if args.endpoint.startswith("mcp"):
        call = {"name": "get_item", "arguments": {"id": item_id}}
        if args.endpoint == "mcp-list":
            call = {"name": "list_items", "arguments": {}}
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call}).encode()
        environ.update(
            {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": "/mcp",
                "HTTP_ACCEPT": "application/json, text/event-stream",
                "HTTP_MCP_PROTOCOL_VERSION": "2025-11-25",
            }
        )
    if args.endpoint == "get" or args.endpoint == "list":
        body = b""
    else:
        environ.update({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))})
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses.append(status)

    def call() -> bytes:
        response = application(dict(environ, **{"wsgi.input": io.BytesIO(body)}), start_response)
        content = b"".join(response)
        response.close()
        return content

    for _ in range(200):
        content = call()
    if args.endpoint.startswith("mcp") and "structuredContent" not in json.loads(content).get("result", {}):
        sys.exit(f"unexpected answer: {content[:300]!r}")
    if statuses and set(statuses) != {"201 Created" if args.endpoint == "post" else "200 OK"}:
        sys.exit(f"unexpected statuses: {set(statuses)}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    else:
        started = time.perf_counter()
        for _ in range(args.requests):
            call()
        if args.requests:
            elapsed = time.perf_counter() - started
            per_request = elapsed / args.requests * 1e6
            print(f"{args.endpoint} {args.style}: {per_request:.0f} µs per request ({args.requests} requests)")


if __name__ == "__main__":
    main()
