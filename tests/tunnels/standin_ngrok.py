#!/usr/bin/env python3
"""A stand-in for the ngrok 3 agent, as pyngrok meets it (point NGROK_PATH here).

It answers the subcommands pyngrok runs (`--version`, `config add-authtoken`, `start --none --log stdout
[--config P] [--authtoken T] [--region R]`), writes ngrok's logfmt startup lines on stdout, and serves the
agent API on 127.0.0.1 (a free port): GET/POST /api/endpoints, GET/DELETE /api/endpoints/NAME, with
ngrok's error bodies. It also plays ngrok's cloud on a second local port (the "edge"): a request there whose
Host is an endpoint's domain is forwarded to the endpoint's upstream with X-Forwarded-Proto: https, as
ngrok forwards public traffic. Nothing here reaches the network beyond 127.0.0.1.

Knobs (environment, inherited through pyngrok):
  FAKE_NGROK_STATE      file to write {"pid", "api_url", "edge_url", "argv"} into once the agent is up
  FAKE_NGROK_RESERVED   comma-separated domains reserved on the account (default: demo.ngrok-free.app)
  FAKE_NGROK_FAIL       start: the authtoken is refused and the agent exits 1 before its API is up;
                        crash: the agent exits 2 at start without a word;
                        never: the session never comes up (reconnect errors every 0.2 s, no exit)
  FAKE_NGROK_DIE_AFTER  seconds after the first endpoint opens when the session drops and the agent exits 1
Standard library only, so that any python3 runs it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

VERSION = "3.99.0"
DEFAULT_RESERVED = "demo.ngrok-free.app"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}

_print_lock = threading.Lock()
PLAIN = re.compile(r'[\s"=]')


def log(lvl: str, msg: str, **fields: str) -> None:
    """One logfmt line, as `ngrok --log stdout --log-format term` writes them."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    parts = [f"t={stamp}", f"lvl={lvl}", f"msg={json.dumps(msg)}"]
    # Go's logfmt quotes a value holding spaces, quotes or '=' as strconv.Quote does (json.dumps, for ASCII).
    parts += [
        f"{key}={json.dumps(value) if not value or re.search(PLAIN, value) else value}" for key, value in fields.items()
    ]
    with _print_lock:
        print(" ".join(parts), flush=True)


# ngrok's error texts: message lines, then the error code after a blank line.
AUTH_MISSING = (
    "authentication failed: Usage of ngrok requires a verified account and authtoken.\n\n"
    "Sign up for an account: https://dashboard.ngrok.com/signup\n"
    "Install your authtoken: https://dashboard.ngrok.com/get-started/your-authtoken\r\n\r\nERR_NGROK_4018\r\n"
)
AUTH_REFUSED = (
    "authentication failed: The authtoken you specified does not look like a proper ngrok tunnel authtoken.\n"
    "Your authtoken: {token}\nInstructions to install your authtoken are on your ngrok dashboard:\n"
    "https://dashboard.ngrok.com/get-started/your-authtoken\r\n\r\nERR_NGROK_105\r\n"
)


class Agent:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.endpoints: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.reserved = {
            d.strip().lower() for d in os.environ.get("FAKE_NGROK_RESERVED", DEFAULT_RESERVED).split(",") if d.strip()
        }
        self.die_after = os.environ.get("FAKE_NGROK_DIE_AFTER")

    # -- the agent API ------------------------------------------------------------------------------------
    def create(self, body: dict) -> tuple[int, dict]:
        name = body.get("name") or f"endpoint-{secrets.token_hex(4)}"
        upstream = (body.get("upstream") or {}).get("url")
        if not upstream:
            return self.error(HTTPStatus.BAD_REQUEST, 102, "invalid endpoint configuration", "upstream.url is required")
        url = body.get("url") or f"https://{secrets.token_hex(6)}.ngrok-free.app"
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host = (parts.hostname or "").lower()
        with self.lock:
            if name in self.endpoints:
                return self.error(HTTPStatus.BAD_REQUEST, 102, "invalid endpoint configuration", "name in use")
            if body.get("url") and host not in self.reserved:
                return self.refuse(
                    "You must reserve a custom hostname for your account before it can be used to create endpoints.\n"
                    f"Failed to create an endpoint with the domain '{host}' for the account 'Stand-in'.\n\n"
                    "Reserve this name on your dashboard: https://dashboard.ngrok.com/domains/new\r\n\r\n"
                    "ERR_NGROK_319\r\n"
                )
            if any(urlsplit(e["url"]).hostname == host for e in self.endpoints.values()):
                return self.refuse(
                    f"The endpoint '{parts.scheme}://{host}' is already online.\r\n\r\nERR_NGROK_334\r\n"
                )
            endpoint = {
                "name": name,
                "uri": f"/api/endpoints/{name}",
                "url": f"{parts.scheme}://{host}",
                "upstream": {"url": upstream, "protocol": "http1"},
                "metrics": {"conns": {"count": 0}, "http": {"count": 0}},
            }
            first = not self.endpoints
            self.endpoints[name] = endpoint
        log("info", "started tunnel", obj="tunnels", name=name, addr=upstream, url=endpoint["url"])
        if first and self.die_after:
            threading.Timer(float(self.die_after), self.die).start()
        return HTTPStatus.CREATED, endpoint

    def refuse(self, err: str) -> tuple[int, dict]:
        log("warn", "failed to start tunnel", pg="/api/endpoints", err=err)
        return self.error(HTTPStatus.BAD_GATEWAY, 103, "failed to start tunnel", err)

    @staticmethod
    def error(status: int, code: int, msg: str, err: str) -> tuple[int, dict]:
        return status, {"error_code": code, "status_code": status, "msg": msg, "details": {"err": err}}

    def die(self) -> None:
        err = "session closed: the connection to the ngrok service was reset"
        log("eror", "session closing", obj="tunnels.session", err=err)
        log("crit", "command failed", err=err)
        os._exit(1)

    def find(self, host: str) -> dict | None:
        with self.lock:
            return next((e for e in self.endpoints.values() if urlsplit(e["url"]).hostname == host), None)


def api_handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep stdout for logfmt lines
            pass

        def reply(self, status: int, body: dict | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def name(self) -> str | None:
            match = re.fullmatch(r"/api/endpoints/([^/?]+)", self.path.split("?")[0])
            return unquote(match.group(1)) if match else None

        def do_GET(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            if path == "/api":
                return self.reply(HTTPStatus.OK, {"uri": "/api"})
            if path == "/api/endpoints":
                with agent.lock:
                    listing = list(agent.endpoints.values())
                return self.reply(HTTPStatus.OK, {"endpoints": listing, "uri": "/api/endpoints"})
            name = self.name()
            with agent.lock:
                endpoint = agent.endpoints.get(name or "")
            if endpoint is None:
                return self.reply(*agent.error(HTTPStatus.NOT_FOUND, 100, "endpoint not found", path))
            return self.reply(HTTPStatus.OK, endpoint)

        def do_POST(self) -> None:
            if self.path.split("?")[0].rstrip("/") != "/api/endpoints":
                return self.reply(*agent.error(HTTPStatus.NOT_FOUND, 100, "not found", self.path))
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self.reply(*agent.error(HTTPStatus.BAD_REQUEST, 101, "invalid JSON", "body is not JSON"))
            self.reply(*agent.create(body))

        def do_DELETE(self) -> None:
            name = self.name()
            with agent.lock:
                endpoint = agent.endpoints.pop(name or "", None)
            if endpoint is None:
                return self.reply(*agent.error(HTTPStatus.NOT_FOUND, 100, "endpoint not found", self.path))
            log("info", "stopped tunnel", obj="tunnels", name=endpoint["name"])
            self.reply(HTTPStatus.NO_CONTENT)

    return Handler


def edge_handler(agent: Agent) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def plain(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def forward(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            endpoint = agent.find(host)
            if endpoint is None:
                return self.plain(HTTPStatus.NOT_FOUND, f"The endpoint {host} is offline.\n\nERR_NGROK_3200\n")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers.update(
                {
                    "X-Forwarded-For": self.client_address[0],
                    "X-Forwarded-Host": host,
                    "X-Forwarded-Proto": "https",
                    "Content-Length": str(len(body)),
                }
            )
            upstream = urlsplit(endpoint["upstream"]["url"])
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=30)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except OSError as exc:
                return self.plain(
                    HTTPStatus.BAD_GATEWAY,
                    f"The endpoint {endpoint['url']} is online but the agent cannot reach "
                    f"{endpoint['upstream']['url']} ({exc}).\n\nERR_NGROK_8012\n",
                )
            finally:
                conn.close()
            log("info", "join connections", obj="join", l=upstream.netloc, r=self.client_address[0])
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward

    return Handler


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv and argv.index(name) + 1 < len(argv) else None


def configured_token(config_path: str | None) -> str | None:
    if not config_path or not os.path.exists(config_path):
        return None
    with open(config_path) as config:
        match = re.search(r"^\s*authtoken:\s*(\S+)", config.read(), re.M)
    return match.group(1).strip("'\"") if match else None


def start(argv: list[str]) -> int:
    config_path = option(argv, "--config")
    if config_path:
        log("info", "open config file", path=config_path, err="nil")
    else:
        log("info", "no configuration paths supplied")
    token = option(argv, "--authtoken") or os.environ.get("NGROK_AUTHTOKEN") or configured_token(config_path)
    fail = os.environ.get("FAKE_NGROK_FAIL", "")
    if fail == "crash":
        return 2
    agent = Agent(argv)
    api = serve(api_handler(agent))
    log("info", "starting web service", obj="web", addr=f"127.0.0.1:{api.server_address[1]}", allow_hosts="[]")
    if not token or fail == "start":
        err = AUTH_MISSING if not token else AUTH_REFUSED.format(token=token)
        log("eror", "failed to reconnect session", obj="tunnels.session", err=err)
        log("eror", "session closing", obj="tunnels.session", err=err)
        log("crit", "command failed", err=err)
        return 1
    if fail == "never":
        while True:
            err = "failed to dial ngrok server with address connect.ngrok-agent.com:443: i/o timeout"
            log("eror", "failed to reconnect session", obj="tunnels.session", err=err)
            time.sleep(0.2)
    edge = serve(edge_handler(agent))
    log("info", "client session established", obj="tunnels.session")
    log("info", "tunnel session started", obj="tunnels.session")
    state = os.environ.get("FAKE_NGROK_STATE")
    if state:
        with open(state + ".tmp", "w") as handle:
            json.dump(
                {
                    "pid": os.getpid(),
                    "api_url": f"http://127.0.0.1:{api.server_address[1]}",
                    "edge_url": f"http://127.0.0.1:{edge.server_address[1]}",
                    "argv": argv,
                },
                handle,
            )
        os.replace(state + ".tmp", state)

    stopped: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.append(signum))
    signal.signal(signal.SIGINT, lambda signum, frame: stopped.append(signum))
    while not stopped:
        time.sleep(0.1)
    log("info", "received stop request", obj="app", stopReq="{err:<nil> restart:false}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] in (["--version"], ["version"], ["-v"]):
        print(f"ngrok version {VERSION}")
        return 0
    if argv[:2] == ["config", "add-authtoken"] and len(argv) > 2:
        path = option(argv, "--config") or os.path.expanduser("~/.config/ngrok/ngrok.yml")
        with open(path, "a") as config:
            config.write(f"authtoken: {argv[2]}\n")
        print(f"Authtoken saved to configuration file: {path}")
        return 0
    if argv[:1] == ["start"] and "--none" in argv:
        return start(argv)
    print(f"ERROR:  the stand-in agent does not know `ngrok {' '.join(argv)}`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
