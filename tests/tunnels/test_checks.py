from __future__ import annotations

import pytest

from tunnels.checks import check_tunnel_settings


@pytest.fixture(autouse=True)
def unset(settings) -> None:
    """Each test starts from the tunnels settings unset (not from config/settings.py or a developer's .env)."""
    settings.TUNNELS = {}


def ids(settings: object) -> list[str]:
    return [message.id for message in check_tunnel_settings()]


class TunnelChecksTests:
    def test_defaults_pass(self, settings):
        assert ids(settings) == []

    def test_empty_domain_token_and_paths_pass(self, settings):
        settings.TUNNELS = {"NGROK_PATH": "", "NGROK_CONFIG_PATH": None, "NGROK_DOMAIN": "", "NGROK_AUTHTOKEN": ""}
        assert ids(settings) == []

    def test_the_path_from_before_the_backends_package_is_an_error(self, settings):
        settings.TUNNELS = {"TUNNELS_BACKEND": "tunnels.backends.PyngrokBackend"}
        assert ids(settings) == ["tunnels.E001"]

    def test_backend_that_cannot_be_imported_is_an_error(self, settings):
        settings.TUNNELS = {"TUNNELS_BACKEND": "tunnels.backends.ngrok.Missing"}
        assert ids(settings) == ["tunnels.E001"]

    def test_an_empty_backend_is_an_error(self, settings):
        settings.TUNNELS = {"TUNNELS_BACKEND": ""}
        assert ids(settings) == ["tunnels.E001"]

    def test_domain_that_is_not_a_hostname_is_an_error(self, settings):
        settings.TUNNELS = {"NGROK_DOMAIN": "my tunnel"}
        assert ids(settings) == ["tunnels.E002"]

    def test_domain_pasted_as_a_url_is_fine(self, settings):
        settings.TUNNELS = {"NGROK_DOMAIN": "https://demo.ngrok-free.app/"}
        assert ids(settings) == []

    def test_ngrok_path_that_is_not_an_executable_is_a_warning(self, settings, tmp_path):
        settings.TUNNELS = {"NGROK_PATH": str(tmp_path / "ngrok")}
        assert ids(settings) == ["tunnels.W001"]

    def test_not_a_dict_is_e100(self, settings):
        settings.TUNNELS = "tunnels.backends.locmem.InMemoryBackend"
        assert ids(settings) == ["tunnels.E100"]

    def test_an_unknown_key_is_e101(self, settings):
        settings.TUNNELS = {"BACKEND": "tunnels.backends.locmem.InMemoryBackend"}
        assert ids(settings) == ["tunnels.E101"]

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("TUNNELS_BACKEND", None),
            ("NGROK_PATH", 0),
            ("NGROK_CONFIG_PATH", ["ngrok.yml"]),
            ("NGROK_AUTHTOKEN", None),
            ("NGROK_DOMAIN", None),
        ],
    )
    def test_a_value_of_the_wrong_type_is_e102_alone(self, settings, name, value):
        settings.TUNNELS = {name: value}
        assert ids(settings) == ["tunnels.E102"]
