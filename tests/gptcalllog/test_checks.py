from __future__ import annotations

import pytest
from django.core.checks import run_checks

from gptcalllog.checks import check_call_log_settings


def check_ids() -> list[str]:
    return [message.id for message in run_checks() if message.id and message.id.startswith("gptcalllog.")]


def ids(settings, **values: object) -> list[str]:
    settings.GPT_CALL_LOG = values
    return [message.id for message in check_call_log_settings()]


class CallLogChecksTests:
    def test_defaults_pass(self):
        assert check_ids() == []

    def test_keeping_no_day_is_an_error(self, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_DAYS": 0}
        assert check_ids() == ["gptcalllog.E001"]

    def test_negative_flush_or_empty_batch_is_an_error(self, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_BATCH_SIZE": 0}
        assert check_ids() == ["gptcalllog.E002"]
        assert ids(settings, CALL_LOG_FLUSH_SECONDS=-1) == ["gptcalllog.E002"]

    def test_negative_anonymous_rows_is_an_error(self, settings):
        assert ids(settings, CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE=-1) == ["gptcalllog.E003"]
        assert ids(settings, CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE=0) == []

    def test_not_a_dict_is_e100(self, settings):
        settings.GPT_CALL_LOG = False
        assert [message.id for message in check_call_log_settings()] == ["gptcalllog.E100"]

    def test_an_unknown_key_is_e101(self, settings):
        assert ids(settings, ENABLED=False) == ["gptcalllog.E101"]

    @pytest.mark.parametrize(
        ("name", "value"),
        [("CALL_LOG", "off"), ("CALL_LOG_DAYS", "30"), ("CALL_LOG_FLUSH_SECONDS", None), ("CALL_LOG_BATCH_SIZE", 1.5)],
    )
    def test_a_value_of_the_wrong_type_is_e102_alone(self, settings, name, value):
        assert ids(settings, **{name: value}) == ["gptcalllog.E102"]
