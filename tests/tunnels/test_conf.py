from __future__ import annotations

import pytest

from tunnels.conf import DEFAULT_BACKEND, conf


class TunnelsSettingsTests:
    @pytest.mark.parametrize("value", [None, ""])
    def test_none_or_empty_means_the_default(self, settings, value):
        for name in ("TUNNELS_BACKEND", "NGROK_PATH", "NGROK_DOMAIN", "NGROK_AUTHTOKEN", "NGROK_CONFIG_PATH"):
            setattr(settings, name, value)

        assert conf.TUNNELS_BACKEND == DEFAULT_BACKEND == "tunnels.backends.ngrok.PyngrokBackend"
        assert (conf.NGROK_PATH, conf.NGROK_CONFIG_PATH) == (None, None)
        assert (conf.NGROK_DOMAIN, conf.NGROK_AUTHTOKEN) == ("", "")

    def test_missing_means_the_default(self, settings):
        del settings.TUNNELS_BACKEND
        assert conf.TUNNELS_BACKEND == "tunnels.backends.ngrok.PyngrokBackend"

    def test_a_backend_setting_is_used_as_given(self, settings):
        settings.TUNNELS_BACKEND = "tunnels.backends.locmem.InMemoryBackend"
        assert conf.TUNNELS_BACKEND == "tunnels.backends.locmem.InMemoryBackend"
