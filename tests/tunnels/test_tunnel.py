"""`manage.py tunnel` in this process, on the in-memory backend (the full run against ngrok: test_tunnel_live)."""

from __future__ import annotations

import io
import re
import signal

import pytest
from django.core.management import CommandError, call_command

from tests.helpers.tunnels import ActOn, sigterm_on
from tunnels.backends.locmem import InMemoryBackend


def tunnel_to_demo_domain(port: int, *, until: str) -> tuple[list[str], str]:
    """`tunnel --no-server` on demo.ngrok-free.app, SIGTERM once a line matches until: (stdout lines, stderr)."""
    out, err = sigterm_on(until), io.StringIO()
    call_command(
        "tunnel", "--no-server", "--domain", "demo.ngrok-free.app", "--port", str(port), stdout=out, stderr=err
    )
    return out.getvalue().splitlines(), err.getvalue()


class TunnelCommandTests:
    def test_no_server_prints_the_url_alone_then_the_environment_the_server_needs(self, memory_backend, port, listener):
        lines, err = tunnel_to_demo_domain(port, until=r"^  e\.g\. .*$")
        assert "https://demo.ngrok-free.app" in lines
        assert lines[lines.index("https://demo.ngrok-free.app") + 1 :][:3] == [
            f"Run your server on 127.0.0.1:{port} with this environment:",
            "  PUBLIC_BASE_URL=https://demo.ngrok-free.app",
            "  DJANGO_TRUST_PROXY=1",
        ]
        assert err == ""

    @pytest.mark.django_db
    def test_gpt_setup_values_name_the_public_url(self, memory_backend, port, listener):
        lines, err = tunnel_to_demo_domain(port, until=r"^Running until Ctrl\+C")
        assert "  https://demo.ngrok-free.app/api/schema/?auth=bearer" in lines
        assert "  https://demo.ngrok-free.app/privacy/" in lines
        assert lines.index("https://demo.ngrok-free.app") < lines.index("Running until Ctrl+C (or SIGTERM).")
        assert err == ""

    def test_sigterm_closes_the_tunnel_and_gives_back_the_signal_handlers(self, memory_backend, port, listener):
        before = signal.getsignal(signal.SIGTERM)

        call_command(
            "tunnel", "--no-server", "--port", str(port), stdout=sigterm_on(r"^https://.*$"), stderr=io.StringIO()
        )

        assert memory_backend.status() == []
        assert signal.getsignal(signal.SIGTERM) is before

    def test_output_ends_by_saying_everything_stopped(self, memory_backend, port, listener):
        out = sigterm_on(r"^https://.*$")

        call_command("tunnel", "--no-server", "--port", str(port), stdout=out, stderr=io.StringIO())

        assert out.getvalue().splitlines()[-2:] == [
            "Stopping: closing the tunnel, then stopping the server and the agent ...",
            "Stopped: tunnel closed, agent stopped.",
        ]

    def test_without_domain_warns_that_the_url_changes_and_how_to_reserve_one(self, memory_backend, port, listener):
        err = io.StringIO()

        call_command("tunnel", "--no-server", "--port", str(port), stdout=sigterm_on(r"^https://.*$"), stderr=err)

        warning = err.getvalue().strip()
        assert re.match(
            r"Warning: no --domain, so ngrok chose https://[0-9a-f]{12}\.ngrok-free\.app, which can change", warning
        )
        assert "https://dashboard.ngrok.com/domains" in warning
        assert "--domain NAME.ngrok-free.app" in warning
        assert "\n" not in warning

    def test_ngrok_domain_setting_is_the_default_domain(self, memory_backend, settings, port, listener):
        settings.TUNNELS = {**settings.TUNNELS, "NGROK_DOMAIN": "https://Demo.ngrok-free.app/"}
        out, err = sigterm_on(r"^https://.*$"), io.StringIO()

        call_command("tunnel", "--no-server", "--port", str(port), stdout=out, stderr=err)

        assert "https://demo.ngrok-free.app" in out.getvalue().splitlines()
        assert err.getvalue() == ""

    def test_no_server_warns_when_nothing_answers_on_the_port(self, memory_backend, port):
        err = io.StringIO()

        call_command(
            "tunnel", "--no-server", "--domain", "demo.ngrok-free.app", "--port", str(port),
            stdout=sigterm_on(r"^  e\.g\. .*$"), stderr=err,
        )  # fmt: skip

        assert err.getvalue().strip() == (
            f"Warning: nothing answers on 127.0.0.1:{port} yet; ChatGPT gets an ngrok error page until it does."
        )

    def test_tunnel_closed_under_the_command_is_an_error_and_everything_stops(self, memory_backend, port, listener):
        out = ActOn(r"^https://.*$", lambda url: InMemoryBackend().close(url))

        with pytest.raises(
            CommandError, match=r"^the tunnel https://demo\.ngrok-free\.app was closed by the ngrok agent"
        ):
            call_command(
                "tunnel", "--no-server", "--domain", "demo.ngrok-free.app", "--port", str(port),
                stdout=out, stderr=io.StringIO(),
            )  # fmt: skip
        assert memory_backend.status() == []


class TunnelCommandRefusalTests:
    def test_port_in_use_is_refused_before_any_tunnel_opens(self, memory_backend, port, listener):
        with pytest.raises(CommandError, match=rf"^port {port} is already in use on 127\.0\.0\.1: .*--no-server"):
            call_command("tunnel", "--port", str(port), stdout=io.StringIO())
        assert memory_backend.status() == []

    @pytest.mark.parametrize("domain", ["demo ngrok", "demo", "-demo.ngrok-free.app"])
    def test_a_domain_that_is_not_a_hostname_is_refused(self, memory_backend, domain):
        with pytest.raises(CommandError, match=r"is not a domain name; use NAME\.ngrok-free\.app"):
            call_command("tunnel", f"--domain={domain}", stdout=io.StringIO())

    def test_a_port_out_of_range_is_refused(self, memory_backend):
        with pytest.raises(CommandError, match=r"--port 70000 is not a TCP port"):
            call_command("tunnel", "--port", "70000", stdout=io.StringIO())

    def test_an_unimportable_backend_is_one_clear_error(self, settings, port):
        settings.TUNNELS = {**settings.TUNNELS, "TUNNELS_BACKEND": "tunnels.backends.locmem.NoSuchBackend"}
        with pytest.raises(
            CommandError, match=r"TUNNELS_BACKEND 'tunnels\.backends\.locmem\.NoSuchBackend' cannot be imported"
        ):
            call_command("tunnel", "--port", str(port), stdout=io.StringIO())
