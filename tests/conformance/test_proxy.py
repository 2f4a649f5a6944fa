"""The proxy `make conformance` puts before /mcp: the bearer added, everything else as sent, streams streamed."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conformance.proxy import BearerProxy
from tests.helpers.processes import free_port

second_event_may_go = threading.Event()


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen = {name: self.headers[name] for name in ("Authorization", "Host", "Origin")} | {"body": body.decode()}
        payload = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        """Two SSE events, chunked; the second only once the test has read the first through the proxy."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in (b"data: one\n\n", b"data: two\n\n"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            second_event_may_go.wait(timeout=10)
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def proxy_port() -> Iterator[int]:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    second_event_may_go.clear()
    try:
        with BearerProxy(free_port(), upstream.server_port, "the-key") as proxy:
            yield proxy.server.server_port
    finally:
        second_event_may_go.set()
        upstream.shutdown()
        upstream.server_close()


def test_the_bearer_replaces_any_authorization_and_host_origin_and_body_pass_as_sent(proxy_port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=10)
    connection.request(
        "POST",
        "/mcp",
        body=b'{"jsonrpc": "2.0"}',
        headers={"Host": "evil.example.com", "Origin": "http://evil.example.com", "Authorization": "Bearer other"},
    )
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {
        "Authorization": "Bearer the-key",
        "Host": "evil.example.com",
        "Origin": "http://evil.example.com",
        "body": '{"jsonrpc": "2.0"}',
    }
    connection.close()


def test_an_event_stream_arrives_event_by_event(proxy_port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=10)
    connection.request("GET", "/mcp", headers={"Accept": "text/event-stream"})
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.read1() == b"data: one\n\n"  # before the upstream has sent the second
    second_event_may_go.set()
    assert response.read() == b"data: two\n\n"
    connection.close()
