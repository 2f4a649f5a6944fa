"""Client ID metadata documents served over real https on 127.0.0.1, by a CA made for the test.

DOT's fetcher (oauth2_provider.cimd.SafeMetadataFetcher) refuses loopback addresses and trusts only the
system's CAs, as it should in production. The tests alone swap in `LoopbackFetcher` through
OAUTH2_PROVIDER["CIMD_METADATA_FETCHER"]: it trusts the test CA and connects to 127.0.0.1, and leaves
everything else to DOT (the client_id URL rules, no redirects followed, the status, content type and size
checks of `_read_document`, the cache lifetime; the resolver's client_id match, metadata rules and back-off).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from oauth2_provider import cimd
from oauth2_provider.settings import oauth2_settings

HOST = "127.0.0.1"


@dataclass
class TestCA:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def make_test_ca(directory: Path) -> TestCA:
    """A CA and a certificate it signs for 127.0.0.1, written as PEM files under directory."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CIMD test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca = TestCA(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    ca.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ca.key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


class DocumentServer:
    """An https server on 127.0.0.1: each path answers its Reply; every request is remembered."""

    def __init__(self, ca: TestCA) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                reply = server.replies.get(self.path, Reply(404, b"{}"))
                server.requests.append(f"GET {server.url(self.path)} -> {reply.status}")
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ca.cert_pem, ca.key_pem)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"https://{HOST}:{self.port}{path}"

    def document(self, path: str, metadata: dict | None = None, **fields: object) -> str:
        """Serve a client metadata document at path whose client_id is its own URL; returns the URL."""
        client_id = self.url(path)
        self.replies[path] = Reply(body=json.dumps({"client_id": client_id, **(metadata or {}), **fields}).encode())
        return client_id


@contextmanager
def document_server(ca: TestCA) -> Iterator[DocumentServer]:
    server = DocumentServer(ca)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=5)


class LoopbackFetcher(cimd.SafeMetadataFetcher):
    """DOT's fetcher, trusting the test CA and connecting to 127.0.0.1 (DOT's refuses both, rightly).

    A copy of SafeMetadataFetcher.fetch without the public-address check, which DOT offers no hook to skip;
    the request is the same (no redirects, no retries, one deadline) and the answer goes through DOT's
    own `_read_document`.
    """

    ca_pem: Path | None = None  # set by the test that makes the CA

    def fetch(self, client_id: str) -> tuple[dict, int]:
        parsed = cimd._validate_client_id_url(client_id)
        if parsed.hostname != HOST:
            raise cimd.CIMDError("the test fetcher fetches from 127.0.0.1 only")
        context = ssl.create_default_context(cafile=str(self.ca_pem))
        timeout = oauth2_settings.CIMD_FETCH_TIMEOUT_SECONDS
        pool = urllib3.HTTPSConnectionPool(
            host=HOST,
            port=parsed.port or 443,
            timeout=urllib3.Timeout(connect=timeout, read=timeout, total=timeout),
            retries=False,
            maxsize=1,
            ssl_context=context,
            server_hostname=parsed.hostname,
        )
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        headers = {"Host": parsed.netloc, "Accept": "application/json, application/*+json"}
        try:
            response = pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False)
            try:
                return self._read_document(response)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise cimd.CIMDError(f"could not fetch client_id document: {exc}") from exc
        finally:
            pool.close()
