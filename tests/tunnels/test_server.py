from __future__ import annotations

import socket

from tests.helpers.processes import free_port
from tunnels.server import port_in_use, server_environment


class PortInUseTests:
    def test_a_listening_port_is_in_use_and_free_once_closed(self):
        port = free_port()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
            sock.listen()
            assert port_in_use(port)
        assert not port_in_use(port)


class ServerEnvironmentTests:
    def test_public_url_trusted_proxy_and_debug_off(self, monkeypatch):
        monkeypatch.setenv("DJANGO_DEBUG", "1")
        env = server_environment("https://demo.ngrok-free.app")

        assert env["PUBLIC_BASE_URL"] == "https://demo.ngrok-free.app"
        assert env["DJANGO_TRUST_PROXY"] == "1"
        assert env["DJANGO_DEBUG"] == "0"

    def test_server_signs_with_the_key_in_use_here_when_none_is_set(self, monkeypatch, settings):
        monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
        assert server_environment("https://demo.ngrok-free.app")["DJANGO_SECRET_KEY"] == settings.SECRET_KEY

    def test_a_secret_key_from_the_environment_is_kept(self, monkeypatch):
        monkeypatch.setenv("DJANGO_SECRET_KEY", "from-the-environment")
        assert server_environment("https://demo.ngrok-free.app")["DJANGO_SECRET_KEY"] == "from-the-environment"
