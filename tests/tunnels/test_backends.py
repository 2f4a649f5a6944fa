from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest
from pyngrok import process

from tests.helpers.tunnels import STANDIN, agent_state, processes_mentioning, through_edge
from tunnels.backends import get_backend
from tunnels.backends.base import AgentError, AgentNotFoundError, DomainNotReservedError, MissingAuthTokenError
from tunnels.backends.locmem import InMemoryBackend
from tunnels.backends.ngrok import PyngrokBackend, default_ngrok_path

RANDOM_URL = r"https://[0-9a-f]{12}\.ngrok-free\.app"


@pytest.fixture(params=["memory", "pyngrok"])
def backend(request: pytest.FixtureRequest):
    """Both implementations, held to the same contract."""
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture
def upstream():
    """A local web server that answers with the request it saw, standing in for the project's server."""

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


class TunnelBackendContractTests:
    def test_open_without_domain_gives_a_random_https_url_listed_in_status(self, backend):
        public_url = backend.open(8000)

        assert re.fullmatch(RANDOM_URL, public_url)
        assert [(t.public_url, t.upstream) for t in backend.status()] == [(public_url, "http://127.0.0.1:8000")]

    def test_open_with_domain_gives_that_domain(self, backend):
        assert backend.open(8001, "demo.ngrok-free.app") == "https://demo.ngrok-free.app"
        assert [t.public_url for t in backend.status()] == ["https://demo.ngrok-free.app"]

    def test_close_removes_only_that_tunnel(self, backend):
        kept = backend.open(8002)
        closed = backend.open(8003, "demo.ngrok-free.app")

        backend.close(closed)
        backend.close(closed)  # closing twice is harmless

        assert [t.public_url for t in backend.status()] == [kept]

    def test_stop_closes_everything(self, backend):
        backend.open(8004)
        backend.stop()

        assert backend.status() == []


class GetBackendTests:
    def test_setting_picks_the_backend(self, settings):
        settings.TUNNELS = {**settings.TUNNELS, "TUNNELS_BACKEND": "tunnels.backends.locmem.InMemoryBackend"}
        assert isinstance(get_backend(), InMemoryBackend)

    def test_default_is_pyngrok_with_settings_passed_explicitly(self, ngrok_settings):
        ngrok_settings.TUNNELS = {k: v for k, v in ngrok_settings.TUNNELS.items() if k != "TUNNELS_BACKEND"}
        backend = get_backend()

        assert isinstance(backend, PyngrokBackend)
        assert backend.config.ngrok_path == str(STANDIN)
        assert backend.config.auth_token == "test-token"
        assert backend.config.config_path == ngrok_settings.TUNNELS["NGROK_CONFIG_PATH"]


class PyngrokBackendTests:
    def test_agent_runs_the_configured_binary_with_config_and_token(self, pyngrok_backend, state_file, tmp_path):
        pyngrok_backend.open(8000)

        argv = agent_state(state_file)["argv"]
        assert argv[:4] == ["start", "--none", "--log", "stdout"]
        assert argv[argv.index("--config") + 1] == str(tmp_path / "ngrok.yml")
        assert argv[argv.index("--authtoken") + 1] == "test-token"

    def test_domain_is_the_endpoints_url_in_the_v3_agent_api(self, pyngrok_backend, state_file):
        pyngrok_backend.open(8000, "demo.ngrok-free.app")

        listing = json.load(urlopen(agent_state(state_file)["api_url"] + "/api/endpoints"))
        assert [(e["url"], e["upstream"]["url"]) for e in listing["endpoints"]] == [
            ("https://demo.ngrok-free.app", "http://127.0.0.1:8000")
        ]

    def test_public_traffic_reaches_the_port_as_https_for_the_public_host(self, pyngrok_backend, state_file, upstream):
        pyngrok_backend.open(upstream, "demo.ngrok-free.app")

        response, body = through_edge(agent_state(state_file)["edge_url"], "demo.ngrok-free.app", "/items/?x=1")

        seen = json.loads(body)
        assert response.status == HTTPStatus.OK
        assert seen["path"] == "/items/?x=1"
        assert seen["headers"]["Host"] == "demo.ngrok-free.app"
        assert seen["headers"]["X-Forwarded-Proto"] == "https"

    def test_unreserved_domain_says_so_and_where_to_reserve_one(self, pyngrok_backend):
        with pytest.raises(DomainNotReservedError) as raised:
            pyngrok_backend.open(8000, "someone-else.ngrok-free.app")

        message = str(raised.value)
        assert "someone-else.ngrok-free.app is not a domain reserved on your ngrok account" in message
        assert "https://dashboard.ngrok.com/domains" in message
        assert "\n" not in message

    def test_missing_token_fails_before_starting_anything(self, ngrok_settings, state_file, tmp_path):
        ngrok_settings.TUNNELS = {**ngrok_settings.TUNNELS, "NGROK_AUTHTOKEN": ""}
        with pytest.raises(MissingAuthTokenError, match=r"dashboard\.ngrok\.com/get-started/your-authtoken"):
            get_backend().open(8000)

        assert not process.is_process_running(str(STANDIN))
        assert not state_file.exists()

    def test_missing_binary_fails_and_nothing_is_downloaded(self, ngrok_settings, tmp_path):
        missing = tmp_path / "bin" / "ngrok"
        ngrok_settings.TUNNELS = {**ngrok_settings.TUNNELS, "NGROK_PATH": str(missing)}

        with pytest.raises(AgentNotFoundError, match=r"NGROK_PATH is .* not an executable file"):
            get_backend().open(8000)

        # pyngrok would have created the directory to download the agent into.
        assert not missing.parent.exists()

    def test_no_binary_anywhere_names_where_it_looked(self, ngrok_settings, monkeypatch, tmp_path):
        ngrok_settings.TUNNELS = {k: v for k, v in ngrok_settings.TUNNELS.items() if k != "NGROK_PATH"}
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.setattr("pyngrok.conf.DEFAULT_NGROK_PATH", str(tmp_path / "pyngrok" / "ngrok"))

        with pytest.raises(AgentNotFoundError, match=r"not installed \(looked on PATH and at .*pyngrok/ngrok\)"):
            get_backend().open(8000)
        assert not (tmp_path / "pyngrok").exists()

    def test_agent_dying_at_start_reports_ngroks_reason(self, pyngrok_backend, monkeypatch, tmp_path):
        monkeypatch.setenv("FAKE_NGROK_FAIL", "start")

        with pytest.raises(AgentError) as raised:
            pyngrok_backend.open(8000)

        assert str(raised.value) == (
            "the ngrok agent did not start: authentication failed: The authtoken you specified does not look like "
            "a proper ngrok tunnel authtoken. (ERR_NGROK_105); check NGROK_AUTHTOKEN against "
            "https://dashboard.ngrok.com/get-started/your-authtoken."
        )
        assert not process.is_process_running(str(STANDIN))
        assert processes_mentioning(str(tmp_path)) == []

    def test_agent_crashing_silently_at_start(self, pyngrok_backend, monkeypatch, tmp_path):
        monkeypatch.setenv("FAKE_NGROK_FAIL", "crash")

        with pytest.raises(AgentError, match="the ngrok agent exited, or was not ready within 5 s, without saying why"):
            pyngrok_backend.open(8000)
        assert processes_mentioning(str(tmp_path)) == []

    def test_agent_never_ready_gives_up_after_the_startup_timeout(self, ngrok_settings, monkeypatch, tmp_path):
        monkeypatch.setenv("FAKE_NGROK_FAIL", "never")
        backend = get_backend(startup_timeout=1)
        started = time.monotonic()

        with pytest.raises(AgentError, match="did not start: failed to dial ngrok server"):
            backend.open(8000)

        assert time.monotonic() - started < 5
        assert processes_mentioning(str(tmp_path)) == []

    def test_agent_killed_mid_run_makes_status_raise(self, pyngrok_backend, state_file):
        pyngrok_backend.open(8000)
        os.kill(agent_state(state_file)["pid"], signal.SIGKILL)
        time.sleep(0.3)

        with pytest.raises(AgentError, match=r"the ngrok agent stopped unexpectedly \(exit code -9\)"):
            pyngrok_backend.status()

    def test_agent_losing_its_session_mid_run_makes_status_raise_with_the_reason(self, pyngrok_backend, monkeypatch):
        monkeypatch.setenv("FAKE_NGROK_DIE_AFTER", "0.2")
        pyngrok_backend.open(8000)
        time.sleep(1)

        with pytest.raises(AgentError, match=r"stopped unexpectedly \(exit code 1\): session closed"):
            pyngrok_backend.status()

    def test_agent_dying_during_a_status_request_is_an_agent_error_with_the_reason(self, pyngrok_backend, monkeypatch):
        monkeypatch.setenv("FAKE_NGROK_DIE_AFTER", "0.3")
        pyngrok_backend.open(8000)
        deadline = time.monotonic() + 10

        # Asked without pause, as a watch loop may ask just as the agent drops its connections and exits.
        with pytest.raises(AgentError, match=r"stopped unexpectedly \(exit code 1\): session closed"):
            while time.monotonic() < deadline:
                pyngrok_backend.status()

    def test_stop_ends_the_agent(self, pyngrok_backend, state_file, tmp_path):
        pyngrok_backend.open(8000)
        assert processes_mentioning(str(tmp_path)) == [agent_state(state_file)["pid"]]

        pyngrok_backend.stop()

        assert processes_mentioning(str(tmp_path)) == []
        assert pyngrok_backend.status() == []


class DefaultNgrokPathTests:
    def test_ngrok_on_path_is_found_but_not_pyngroks_downloader_script(self, monkeypatch, tmp_path: Path):
        script_dir, binary_dir = tmp_path / "venv-bin", tmp_path / "usr-bin"
        script_dir.mkdir()
        binary_dir.mkdir()
        (script_dir / "ngrok").write_text("#!/usr/bin/python\nfrom pyngrok.ngrok import main\nmain()\n")
        (binary_dir / "ngrok").write_bytes(b"\x7fELF binary")
        for path in (script_dir / "ngrok", binary_dir / "ngrok"):
            path.chmod(0o755)
        monkeypatch.setenv("PATH", f"{script_dir}{os.pathsep}{binary_dir}")

        assert default_ngrok_path() == str(binary_dir / "ngrok")
