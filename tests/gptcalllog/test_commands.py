"""manage.py prune_calls and calls, in process; `calls --follow` against a real server is in test_server.py."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gptactions.calls import Credential
from gptcalllog.models import Call

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


class PruneCallsTests:
    def test_deletes_calls_older_than_call_log_days(self, log_call, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG_DAYS": 7}
        log_call(days_ago=8, status=200)
        log_call(days_ago=6, status=201)
        log_call(status=202)
        assert run("prune_calls") == "Deleted 1 calls older than 7 days.\n"
        assert sorted(Call.objects.values_list("status", flat=True)) == [201, 202]

    def test_days_option(self, log_call):
        log_call(days_ago=2, status=200)
        log_call(status=201)
        assert run("prune_calls", "--days", "1") == "Deleted 1 calls older than 1 days.\n"

    def test_days_below_one_is_refused(self):
        with pytest.raises(CommandError, match="--days must be 1 or more"):
            run("prune_calls", "--days", "0")


class CallsTests:
    def test_prints_the_latest_calls_oldest_first(self, log_call):
        log_call(status=200, credential=Credential("key", "gpta_AbCd1234", "demo key"))
        log_call(status=401, operation_id="listItems", error="Invalid API key.")
        lines = run("calls").splitlines()
        assert len(lines) == 2
        assert "  200  GET     getItem     /items/1  3.5 ms  custom  demo key (gpta_AbCd1234…)" in lines[0]
        assert lines[1].endswith("401  GET     listItems   /items/1  3.5 ms  custom  -  error: Invalid API key.")

    def test_failures_and_last(self, log_call):
        for status in (500, 200, 404, 201):
            log_call(status=status)
        assert [line.split()[2] for line in run("calls", "--failures").splitlines()] == ["500", "404"]
        assert [line.split()[2] for line in run("calls", "-n", "1").splitlines()] == ["201"]

    def test_follow_stops_after_count_new_calls(self, log_call):
        log_call(status=200)
        # No call arrives: it keeps looking until --count new ones have, so here count 0 ends it at once.
        assert run("calls", "--follow", "--count", "0", "-n", "5").count("\n") == 1
