"""The admin's call log: read-only list, filters, and the chart and most common errors on top."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from gptactions.calls import Credential, credential_of
from gptcalllog.models import Call
from gptcalllog.recorder import flush
from tests.factories import make_access_token, make_api_key, make_gpt_client, make_user

pytestmark = pytest.mark.django_db

URL = "/admin/gptcalllog/call/"
RECIPE_GPT = Credential("client", "clientid123", "Recipe GPT")
DEMO_KEY = Credential("key", "gpta_AbCd1234", "demo key")


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def listed_paths_and_statuses(html: str) -> list[str]:
    return re.findall(r'class="call-status (?:ok|failed)">(\d+)<', html)


def filter_choices(html: str) -> list[str]:
    """The choices of the 'GPT client or key' filter, as listed."""
    section = re.search(r"By GPT client or key.*?</ul>", html, re.S).group(0)
    return [re.sub(r"\s+", " ", choice).strip() for choice in re.findall(r"<a [^>]*>([^<]*)</a>", section)]


def chart_days(html: str) -> list[tuple[str, int, int]]:
    return [
        (day, int(calls), int(failures))
        for day, calls, failures in re.findall(
            r'<g class="day" data-day="([\d-]+)" data-calls="(\d+)" data-failures="(\d+)">', html
        )
    ]


class ChangeListTests:
    def test_lists_calls_newest_first_read_only(self, admin_client, log_call):
        log_call(days_ago=1, status=200)
        log_call(status=401, error="Invalid API key.")
        response = admin_client.get(URL)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert listed_paths_and_statuses(html) == ["401", "200"]
        assert "Invalid API key." in html
        assert admin_client.get(URL + "add/").status_code == HTTPStatus.FORBIDDEN

    def test_filter_by_gpt_client_or_key(self, admin_client, log_call):
        application, _secret = make_gpt_client("Recipe GPT")
        api_key, _raw_key = make_api_key(name="demo key")
        log_call(credential=credential_of(make_access_token(application=application)[0]), status=200)
        log_call(credential=credential_of(api_key), status=404)
        log_call(credential=credential_of(api_key), status=201)
        choices = filter_choices(admin_client.get(URL).content.decode())
        assert choices == ["All", f"Recipe GPT (client {application.client_id[:12]})", f"demo key ({api_key.prefix}…)"]
        html = admin_client.get(URL, {"credential": f"key:{api_key.prefix}"}).content.decode()
        assert listed_paths_and_statuses(html) == ["201", "404"]

    def test_filter_lists_existing_keys_and_clients_not_what_was_sent(self, admin_client, api, log_call):
        api_key, _raw_key = make_api_key(name="demo key")
        log_call(credential=credential_of(api_key), status=200)
        for n in range(50):  # refused made-up keys, through the API
            api.get("/items/", HTTP_AUTHORIZATION=f"Bearer gpta_{n:08d}{'x' * 32}", REMOTE_ADDR=f"10.0.0.{n}")
        flush()
        first = admin_client.get(URL).content.decode()

        def junk_rows(count: int, start: int) -> None:  # as the log held them before counting, one row each
            Call.objects.bulk_create(
                Call(
                    at=timezone.now(),
                    method="GET",
                    path="/items/",
                    status=401,
                    latency_ms=1,
                    error="Invalid API key.",
                    credential_kind="key",
                    credential_id=f"gpta_J{n:07d}",
                )
                for n in range(start, start + count)
            )

        junk_rows(2000, 0)
        with_junk = admin_client.get(URL).content.decode()
        junk_rows(2000, 2000)
        with_more_junk = admin_client.get(URL).content.decode()
        for html in (first, with_junk, with_more_junk):
            assert filter_choices(html) == ["All", f"demo key ({api_key.prefix}…)"]
        assert "gpta_J" not in with_more_junk.split('id="changelist-filter"')[1]
        assert abs(len(with_more_junk) - len(with_junk)) < 1000  # the page no longer grows with the table
        assert len(with_more_junk) < 200_000

    @pytest.mark.parametrize(
        ("status_class", "expected"),
        [("2xx", ["201", "200"]), ("4xx", ["429", "401"]), ("5xx", ["500"]), ("failed", ["500", "429", "401"])],
    )
    def test_filter_by_status_class(self, admin_client, log_call, status_class, expected):
        for status in (200, 401, 201, 429, 500):
            log_call(status=status)
        html = admin_client.get(URL, {"status": status_class}).content.decode()
        assert listed_paths_and_statuses(html) == expected

    def test_filter_by_day(self, admin_client, log_call):
        log_call(days_ago=2, status=201)
        log_call(days_ago=1, status=404)
        day = timezone.localdate() - timedelta(days=2)
        html = admin_client.get(URL, {"at__year": day.year, "at__month": day.month, "at__day": day.day}).content
        assert listed_paths_and_statuses(html.decode()) == ["201"]

    def test_staff_without_permission_cannot_see_calls(self, client):
        client.force_login(make_user("helper", is_staff=True))
        assert client.get(URL).status_code == HTTPStatus.FORBIDDEN


class ChartTests:
    def test_counts_calls_and_failures_per_day_for_30_days(self, admin_client, log_call):
        for _ in range(3):
            log_call(status=200)
        log_call(status=500, error="OperationalError")
        log_call(days_ago=29, status=401)
        log_call(days_ago=29, status=200)
        log_call(days_ago=30, status=401)  # the 31st day back: out of the chart
        html = admin_client.get(URL).content.decode()
        days = chart_days(html)
        today = timezone.localdate()
        assert len(days) == 30
        assert days[-1] == (today.isoformat(), 4, 1)
        assert days[0] == ((today - timedelta(days=29)).isoformat(), 2, 1)
        assert sum(calls for _, calls, _ in days[1:-1]) == 0
        assert "Last 30 days: 6 calls, 2 failed" in html
        assert 'data-peak="4"' in html

    def test_bars_scale_to_the_busiest_day_and_link_to_it(self, admin_client, log_call):
        for _ in range(4):
            log_call(status=200)
        log_call(days_ago=1, status=404)
        log_call(days_ago=1, status=200)
        html = admin_client.get(URL).content.decode()
        yesterday = timezone.localdate() - timedelta(days=1)
        group = re.search(rf'<a href="([^"]+)">\s*<g class="day" data-day="{yesterday.isoformat()}".*?</g>', html, re.S)
        heights = dict(re.findall(r'<rect class="(calls|failures)"[^>]*height="([\d.]+)"', group.group(0)))
        assert heights == {"calls": "60.0", "failures": "30.0"}  # half and a quarter of the busiest day's 120
        link = group.group(1).replace("&amp;", "&")
        assert link == f"?at__year={yesterday.year}&at__month={yesterday.month}&at__day={yesterday.day}"
        assert listed_paths_and_statuses(admin_client.get(URL + link).content.decode()) == ["200", "404"]

    def test_chart_counts_each_unauthenticated_failure_of_a_counted_row(self, admin_client, api):
        for _ in range(40):
            assert api.get("/items/").status_code == HTTPStatus.UNAUTHORIZED
        flush()
        html = admin_client.get(URL).content.decode()
        assert chart_days(html)[-1][1:] == (40, 40)
        assert "Last 30 days: 40 calls, 40 failed" in html
        assert re.search(r'<td>401</td>\s*<td>listItems</td>.*?<td class="count">40</td>', html, re.S)

    def test_chart_follows_the_chosen_gpt_client(self, admin_client, log_call):
        log_call(credential=RECIPE_GPT, status=500)
        log_call(credential=DEMO_KEY, status=200)
        log_call(credential=DEMO_KEY, status=200)
        html = admin_client.get(URL, {"credential": "client:clientid123"}).content.decode()
        assert chart_days(html)[-1][1:] == (1, 1)

    def test_most_common_errors_first(self, admin_client, log_call):
        for _ in range(3):
            log_call(status=401, operation_id="listItems", error="Invalid API key.")
        log_call(status=404, error="No Item matches the given query.")
        log_call(days_ago=40, status=500, error="Too old to count")
        log_call(status=200)
        html = admin_client.get(URL).content.decode()
        section = html[html.index('class="common-errors"') :]
        rows = re.findall(
            r"<tr>\s*<td>(\d+)</td>\s*<td>(\w+)</td>\s*<td><a [^>]*>([^<]+)</a></td>\s*"
            r'<td class="count">(\d+)</td>',
            section,
        )
        assert rows == [
            ("401", "listItems", "Invalid API key.", "3"),
            ("404", "getItem", "No Item matches the given query.", "1"),
        ]

    def test_says_when_the_log_is_off(self, admin_client, settings):
        settings.GPT_CALL_LOG = {**settings.GPT_CALL_LOG, "CALL_LOG": False}
        assert "The call log is off (CALL_LOG=off)" in admin_client.get(URL).content.decode()
