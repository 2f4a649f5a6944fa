"""GPT_CALL_LOG, read through gptcalllog.conf: the documented defaults, and overrides that take effect at once."""

from __future__ import annotations

from django.test import override_settings

from gptcalllog.conf import conf


class CallLogSettingsTests:
    def test_an_empty_namespace_gives_the_documented_defaults(self, settings):
        settings.GPT_CALL_LOG = {}
        assert (conf.CALL_LOG, conf.CALL_LOG_DAYS, conf.CALL_LOG_FLUSH_SECONDS, conf.CALL_LOG_BATCH_SIZE) == (
            True,
            30,
            1.0,
            200,
        )

    def test_override_settings_of_the_dict_changes_what_the_accessor_returns(self):
        with override_settings(GPT_CALL_LOG={"CALL_LOG": False, "CALL_LOG_DAYS": 7}):
            assert (conf.CALL_LOG, conf.CALL_LOG_DAYS) == (False, 7)
        assert conf.CALL_LOG is True

    def test_flush_seconds_are_a_float_whatever_was_set(self, settings):
        settings.GPT_CALL_LOG = {"CALL_LOG_FLUSH_SECONDS": 0}
        assert isinstance(conf.CALL_LOG_FLUSH_SECONDS, float)
