"""The call log page in Chromium: the chart and the errors fit the window, drawn from local files only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from gptactions.calls import Credential
from tests.factories import PASSWORD, make_user
from tests.helpers.browser import ARTIFACTS

RECIPE_GPT = Credential("client", "Xq3kVb9clientid", "Recipe GPT")


@pytest.fixture
def browser(chromium: Browser) -> Browser:
    return chromium


@pytest.fixture
def a_month_of_calls(log_call) -> None:
    """A GPT's month: a few calls most days, a bad-key afternoon, an expired token, a throttled burst."""
    make_user("admin", password=PASSWORD, is_staff=True, is_superuser=True)
    now = timezone.now()
    for days_ago in range(30):
        for n in range((days_ago * 7) % 11 + 2):
            log_call(at=now - timedelta(days=days_ago, minutes=n), status=200, credential=RECIPE_GPT)
    for n in range(6):
        log_call(at=now - timedelta(days=3, minutes=n), status=401, error="Invalid API key.")
    for n in range(3):
        log_call(at=now - timedelta(days=1, minutes=n), status=401, error="The access token has expired.")
    for n in range(2):
        log_call(
            at=now - timedelta(hours=n), status=429, error="Request was throttled. Expected available in 5 seconds."
        )


@pytest.mark.django_db(transaction=True)
def test_call_log_page_shows_the_chart_and_common_errors(a_month_of_calls, live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (elsewhere.append(route.request.url), route.abort())
        ),
    )
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Calls").click()

    chart = page.locator("svg.call-chart")
    expect(chart).to_be_visible()
    assert chart.locator("g.day").count() == 30
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 80
    expect(page.locator(".common-errors")).to_contain_text("Invalid API key.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=ARTIFACTS / "call-log.png")

    chart.locator("g.day").nth(26).click()  # three days ago: the bad-key afternoon
    expect(page.locator("#result_list")).to_contain_text("Invalid API key.")
    assert elsewhere == []


@pytest.mark.django_db(transaction=True)
def test_no_empty_area_under_the_chart_and_each_last_date_on_one_line(a_month_of_calls, live_server, browser):
    # Issue 21, finding 14: beside a taller table of errors the chart left a large empty area under it, and
    # the "Last" column wrapped each date onto several lines.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/gptcalllog/call/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("svg.call-chart")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "call-log-summary.png")

    # What comes next under the chart's legend (the errors, or the list of calls), and how far below it.
    gap = page.evaluate(
        """() => {
            const legend = document.querySelector('.call-chart-legend').getBoundingClientRect();
            const below = [...document.querySelectorAll('.common-errors, #changelist')]
                .map(element => element.getBoundingClientRect())
                .filter(box => box.top >= legend.bottom - 1 && box.left < legend.right && box.right > legend.left);
            return Math.min(...below.map(box => box.top - legend.bottom));
        }"""
    )
    assert gap < 40, gap

    dates = page.locator(".common-errors td.last")
    assert dates.count() == 3
    for date in dates.all():
        line_height = float(date.evaluate("cell => parseFloat(getComputedStyle(cell).lineHeight)"))
        lines = date.evaluate(
            "cell => { const r = document.createRange(); r.selectNodeContents(cell);"
            " return new Set([...r.getClientRects()].map(rect => Math.round(rect.top))).size; }"
        )
        assert lines == 1, (date.inner_text(), lines, line_height)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
