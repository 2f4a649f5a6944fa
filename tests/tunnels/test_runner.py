"""TunnelRunner driven directly: the in-memory backend, and a real server (granian) where the server matters."""

from __future__ import annotations

import io
import os
import signal

import pytest

from tests.helpers.tunnels import ActOn, sigterm_on
from tunnels.backends.base import TunnelError
from tunnels.backends.locmem import InMemoryBackend
from tunnels.runner import TunnelRunner
from tunnels.server import ServerError, listening, port_in_use

DEMO_URL = "https://demo.ngrok-free.app"


class Report:
    """A setup report that says which base URL it was asked for."""

    def __init__(self) -> None:
        self.base_urls: list[str] = []

    def __call__(self, *, base_url: str) -> str:
        self.base_urls.append(base_url)
        return f"GPT Action setup for {base_url}\n  {base_url}/api/schema/\n"


def runner(backend: InMemoryBackend, port: int, out: io.StringIO, err: io.StringIO, **kwargs) -> TunnelRunner:
    kwargs.setdefault("domain", "demo.ngrok-free.app")
    return TunnelRunner(backend, port=port, stdout=out, stderr=err, poll_seconds=0.05, **kwargs)


class TunnelRunnerTests:
    def test_setup_values_for_the_public_url_follow_it(self, memory_backend, port, listener):
        report, out, err = Report(), sigterm_on(r"^Running until Ctrl\+C"), io.StringIO()

        runner(memory_backend, port, out, err, serve=False, setup_report=report).run()

        lines = out.getvalue().splitlines()
        assert report.base_urls == [DEMO_URL]
        assert lines.index(DEMO_URL) < lines.index(f"GPT Action setup for {DEMO_URL}")
        assert lines.index(f"  {DEMO_URL}/api/schema/") < lines.index("Running until Ctrl+C (or SIGTERM).")
        assert err.getvalue() == ""

    def test_a_failing_setup_report_is_one_warning_and_the_run_goes_on(self, memory_backend, port, listener):
        def broken(*, base_url: str) -> str:
            raise RuntimeError("no such table: oauth2_provider_application\n(more lines)")

        out, err = sigterm_on(r"^Running until Ctrl\+C"), io.StringIO()

        runner(memory_backend, port, out, err, serve=False, setup_report=broken).run()

        assert err.getvalue() == (
            "Warning: could not print the GPT setup values (no such table: oauth2_provider_application).\n"
        )
        assert out.getvalue().splitlines()[-1] == "Stopped: tunnel closed, agent stopped."

    def test_signal_handlers_are_ours_during_the_run_and_given_back_after(self, memory_backend, port, listener):
        before = signal.getsignal(signal.SIGINT)
        during = []

        def press_ctrl_c(_: str) -> None:
            during.append(signal.getsignal(signal.SIGINT))
            os.kill(os.getpid(), signal.SIGINT)

        out = ActOn(r"^Running until", press_ctrl_c)
        tunnel = runner(memory_backend, port, out, io.StringIO(), serve=False)

        tunnel.run()

        assert during == [tunnel.on_signal]
        assert signal.getsignal(signal.SIGINT) is before
        assert tunnel.signalled == signal.SIGINT

    def test_tunnel_closed_by_the_agent_raises_and_everything_is_shut_down(self, memory_backend, port, listener):
        out = ActOn(r"^Running until", lambda _: InMemoryBackend().close(DEMO_URL))

        with pytest.raises(TunnelError, match=rf"^the tunnel {DEMO_URL} was closed by the ngrok agent\.$"):
            runner(memory_backend, port, out, io.StringIO(), serve=False).run()

        assert memory_backend.status() == []
        assert "Stopped:" not in out.getvalue()

    def test_a_failing_open_starts_no_server(self, memory_backend, port):
        memory_backend.open(port, "demo.ngrok-free.app")  # already online elsewhere
        out = io.StringIO()
        tunnel = runner(memory_backend, port, out, io.StringIO())

        with pytest.raises(TunnelError, match=r"already online elsewhere"):
            tunnel.run()

        assert tunnel.server is None
        assert not listening(port)


class TunnelRunnerServerTests:
    """With the project's server (granian) behind the tunnel."""

    def test_server_dying_ends_the_run_with_its_exit_code_and_closes_the_tunnel(self, memory_backend, port):
        def kill_server(_: str) -> None:
            os.killpg(tunnel.server.proc.pid, signal.SIGKILL)

        out = ActOn(r"^Running until", kill_server)
        tunnel = runner(memory_backend, port, out, io.StringIO())

        with pytest.raises(ServerError, match=r"^the server \(granian\) stopped with exit code -9\.$"):
            tunnel.run()

        assert memory_backend.status() == []
        assert not port_in_use(port)

    def test_signal_during_start_up_skips_to_shutting_down(self, memory_backend, port):
        report, out = Report(), sigterm_on(r"^Starting the server")
        tunnel = runner(memory_backend, port, out, io.StringIO(), setup_report=report)

        tunnel.run()

        assert out.getvalue().splitlines()[-3:] == [
            f"Starting the server (granian) on http://127.0.0.1:{port} ...",
            "Stopping: closing the tunnel, then stopping the server and the agent ...",
            "Stopped: tunnel closed, server and agent stopped.",
        ]
        assert report.base_urls == []
        assert tunnel.server.poll() is not None
        assert memory_backend.status() == []
        assert not port_in_use(port)

    def test_server_behind_the_tunnel_is_told_the_public_url_with_debug_off(self, memory_backend, port):
        seen = {}

        def look(_: str) -> None:
            seen.update(tunnel.server.env)
            seen["listening"] = listening(port)
            os.kill(os.getpid(), signal.SIGTERM)

        tunnel = runner(memory_backend, port, ActOn(r"^Running until", look), io.StringIO())

        tunnel.run()

        assert seen["listening"]
        assert (seen["PUBLIC_BASE_URL"], seen["DJANGO_TRUST_PROXY"], seen["DJANGO_DEBUG"]) == (DEMO_URL, "1", "0")
        assert not port_in_use(port)
