from __future__ import annotations

import pytest

from tunnels.checks import check_tunnel_settings

NAMES = ("TUNNELS_BACKEND", "NGROK_PATH", "NGROK_DOMAIN", "NGROK_AUTHTOKEN", "NGROK_CONFIG_PATH")


@pytest.fixture(autouse=True)
def unset(settings) -> None:
    """Each test starts from the tunnels settings unset (not from config/settings.py or a developer's .env)."""
    for name in NAMES:
        delattr(settings, name)


def ids(settings: object) -> list[str]:
    return [message.id for message in check_tunnel_settings()]


class TunnelChecksTests:
    def test_defaults_pass(self, settings):
        assert ids(settings) == []

    def test_settings_that_are_none_or_empty_count_as_unset(self, settings):
        for name in NAMES:
            setattr(settings, name, None if name.startswith("TUNNELS") else "")
        assert ids(settings) == []

    def test_the_path_from_before_the_backends_package_is_an_error(self, settings):
        settings.TUNNELS_BACKEND = "tunnels.backends.PyngrokBackend"
        assert ids(settings) == ["tunnels.E001"]

    def test_backend_that_cannot_be_imported_is_an_error(self, settings):
        settings.TUNNELS_BACKEND = "tunnels.backends.ngrok.Missing"
        assert ids(settings) == ["tunnels.E001"]

    def test_domain_that_is_not_a_hostname_is_an_error(self, settings):
        settings.NGROK_DOMAIN = "my tunnel"
        assert ids(settings) == ["tunnels.E002"]

    def test_domain_pasted_as_a_url_is_fine(self, settings):
        settings.NGROK_DOMAIN = "https://demo.ngrok-free.app/"
        assert ids(settings) == []

    def test_ngrok_path_that_is_not_an_executable_is_a_warning(self, settings, tmp_path):
        settings.NGROK_PATH = str(tmp_path / "ngrok")
        assert ids(settings) == ["tunnels.W001"]
