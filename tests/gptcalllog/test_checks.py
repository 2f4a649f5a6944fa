from __future__ import annotations

from django.core.checks import run_checks


def check_ids() -> list[str]:
    return [message.id for message in run_checks() if message.id and message.id.startswith("gptcalllog.")]


class CallLogChecksTests:
    def test_defaults_pass(self):
        assert check_ids() == []

    def test_keeping_no_day_is_an_error(self, settings):
        settings.CALL_LOG_DAYS = 0
        assert check_ids() == ["gptcalllog.E001"]

    def test_negative_flush_or_empty_batch_is_an_error(self, settings):
        settings.CALL_LOG_BATCH_SIZE = 0
        assert check_ids() == ["gptcalllog.E002"]
