"""TUNNELS, read through tunnels.conf: the documented defaults, and overrides that take effect at once."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tunnels.conf import DEFAULT_BACKEND, conf


class TunnelsSettingsTests:
    def test_an_empty_namespace_gives_the_documented_defaults(self, settings):
        settings.TUNNELS = {}
        assert conf.TUNNELS_BACKEND == DEFAULT_BACKEND == "tunnels.backends.ngrok.PyngrokBackend"
        assert (conf.NGROK_PATH, conf.NGROK_CONFIG_PATH) == (None, None)
        assert (conf.NGROK_DOMAIN, conf.NGROK_AUTHTOKEN) == ("", "")

    @pytest.mark.parametrize("value", [None, ""])
    def test_a_path_that_is_none_or_empty_means_the_default(self, settings, value):
        settings.TUNNELS = {"NGROK_PATH": value, "NGROK_CONFIG_PATH": value}
        assert (conf.NGROK_PATH, conf.NGROK_CONFIG_PATH) == (None, None)

    def test_override_settings_of_the_dict_changes_what_the_accessor_returns(self):
        with override_settings(TUNNELS={"TUNNELS_BACKEND": "tunnels.backends.locmem.InMemoryBackend"}):
            assert conf.TUNNELS_BACKEND == "tunnels.backends.locmem.InMemoryBackend"
        with override_settings(TUNNELS={}):
            assert conf.TUNNELS_BACKEND == DEFAULT_BACKEND

    def test_a_domain_pasted_as_a_url_reads_as_the_domain(self, settings):
        settings.TUNNELS = {"NGROK_DOMAIN": "https://Demo.ngrok-free.app/"}
        assert conf.NGROK_DOMAIN == "demo.ngrok-free.app"
