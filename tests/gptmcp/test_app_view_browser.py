"""The MCP Apps view in Chromium, inside a small host page written for the test (tests/helpers/mcp_apps_host.html):
the view's HTML, read with resources/read, runs in a sandboxed iframe under the spec's default CSP; the host speaks
the ui/* protocol (initialize with the host context, tool input, tool result, host context changes) and relays the
view's tools/call requests to the live server with the SDK's client. The rows are a real tools/call's result."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from playwright.sync_api import Browser, FrameLocator, Page, expect

from items.models import Item
from tests.factories import make_api_key, make_item, make_user
from tests.helpers.browser import ARTIFACTS
from tests.helpers.mcp import bearer, with_http_client
from tests.notes.models import Note

HOST_PAGE = Path(__file__).resolve().parents[1] / "helpers" / "mcp_apps_host.html"
ITEMS_VIEW = "ui://gptmcp/items/view.html"
NOTES_VIEW = "ui://gptmcp/notes/view.html"
WHITE, ZINC_900 = "rgb(255, 255, 255)", "rgb(24, 24, 27)"

pytestmark = pytest.mark.django_db(transaction=True)


def in_the_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An item's fields as its table row holds them: updated_at is for the card (a row must fit a chat)."""
    return [{name: value for name, value in row.items() if name != "updated_at"} for row in rows]


def wire(result: Any) -> dict[str, Any]:
    """A result as it travels in JSON-RPC (camelCase, `_meta`), which is what a host hands the view."""
    return result.model_dump(by_alias=True, mode="json", exclude_none=True)


class Server:
    """The live server as the host reaches it: the SDK's client with one credential, run off Playwright's thread."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.headers = url + "/mcp", bearer(key)
        self.calls: list[str] = []

    def _run(self, session: Callable[[Client], Any]) -> Any:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(with_http_client, self.url, session, headers=self.headers).result(timeout=60)

    def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(name)

        async def session(client: Client):
            return wire(await client.call_tool(name, arguments))

        return self._run(session)

    def read(self, uri: str) -> str:
        async def session(client: Client):
            return (await client.read_resource(uri)).contents[0].text

        return self._run(session)


class Host:
    """The host page with one view in it, and what the page said on its console."""

    def __init__(self, page: Page, server: Server) -> None:
        self.page, self.server = page, server
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        page.expose_function("callServerTool", lambda params: json.dumps(server.call(**json.loads(params))))
        page.set_content(HOST_PAGE.read_text(encoding="utf-8"))

    def show(self, uri: str, tool: str, arguments: dict[str, Any], *, theme: str, locale: str, **context: Any) -> dict:
        """Call tool for real, then render its result in the view as a host does; returns the result."""
        result = self.server.call(tool, arguments)
        self.page.evaluate(
            "startHost",
            {
                "html": self.server.read(uri),
                "hostContext": {"theme": theme, "locale": locale, **context},
                "toolInput": arguments,
                "toolResult": result,
                "bubble": f"{tool}({json.dumps(arguments)})",
            },
        )
        return result

    @property
    def view(self) -> FrameLocator:
        return self.page.frame_locator("iframe")

    def cells(self, selector: str) -> list[dict[str, Any]]:
        """Each row's (or the card's) values as the view holds them: {field: value} from data-value."""
        return self.view.locator(selector).evaluate_all(
            """rows => rows.map(row => Object.fromEntries([...row.querySelectorAll('[data-field]')]
                .map(cell => [cell.dataset.field, JSON.parse(cell.dataset.value)])))"""
        )

    def background(self) -> str:
        return self.view.locator("body").evaluate("body => getComputedStyle(body).backgroundColor")

    def headers(self) -> list[str]:
        return self.view.locator("thead th").all_inner_texts()[:-1]  # the last column holds the buttons

    def screenshot(self, name: str) -> None:
        self.page.wait_for_timeout(100)  # the iframe takes the height the view reports
        self.page.screenshot(path=ARTIFACTS / f"mcp-app-{name}.png", full_page=True)

    def tool_calls_from_view(self) -> list[str]:
        log = self.page.evaluate("window.hostLog")
        return [
            message["params"]["name"]
            for way, message in log
            if way == "from view" and message.get("method") == "tools/call"
        ]

    def assert_clean(self) -> None:
        """Nothing refused by the CSP (which the view ran under), no script error, no request beyond the page."""
        expect(self.view.locator('meta[http-equiv="Content-Security-Policy"]')).to_have_attribute(
            "content", re.compile(r"^default-src 'none'; script-src 'unsafe-inline'; .*connect-src 'none'$")
        )
        assert [
            line
            for line in self.console
            if "Content Security Policy" in line or line.startswith(("error", "pageerror"))
        ] == []
        assert [url for url in self.requests if not url.startswith(("about:", "data:"))] == []


@pytest.fixture
def alice():
    return make_user("alice")


@pytest.fixture
def open_host(chromium: Browser, live_server) -> Iterator[Callable[[str], Host]]:
    pages: list[Page] = []

    def open_(key: str) -> Host:
        page = chromium.new_page(viewport={"width": 820, "height": 520})
        pages.append(page)
        return Host(page, Server(live_server.url, key))

    yield open_
    for page in pages:
        page.close()


@pytest.fixture
def three_items(alice) -> list[Item]:
    return [
        make_item(
            alice, name="Desk lamp", price=Decimal("24.90"), tax=Decimal("2.49"), description="Warm light, brass."
        ),
        make_item(alice, name="Notebook", price=Decimal("3.50"), description="A5, dotted, 120 pages. " * 6),
        make_item(alice, name="Kettle", price=Decimal("39.00")),
    ]


def test_the_table_shows_the_list_result_in_light_english(open_host, alice, three_items):
    host = open_host(make_api_key(alice)[1])
    result = host.show(ITEMS_VIEW, "list_items", {}, theme="light", locale="en-US")

    expect(host.view.locator("tbody tr")).to_have_count(3)
    assert host.cells("tbody tr") == in_the_table(result["structuredContent"]["results"])
    assert [row["name"] for row in result["structuredContent"]["results"]] == ["Kettle", "Notebook", "Desk lamp"]
    assert host.headers() == ["ID", "Name", "Description", "Price", "Tax", "Created at"]  # updated_at: on the card
    expect(host.view.locator("#count")).to_have_text("3 in all")
    expect(host.view.locator("td[data-field=price]")).to_have_text(
        ["39.00", "3.50", "24.90"]
    )  # a DecimalField's places
    assert host.background() == WHITE
    expect(host.view.locator("tbody tr").first.locator("button.delete")).to_have_text("Delete")
    host.screenshot("items-table-light-en")
    host.assert_clean()


def test_dark_theme_and_chinese_follow_the_host_context(open_host, alice, three_items):
    host = open_host(make_api_key(alice)[1])
    result = host.show(ITEMS_VIEW, "list_items", {}, theme="dark", locale="zh-CN")

    expect(host.view.locator("tbody tr")).to_have_count(3)
    assert host.cells("tbody tr") == in_the_table(result["structuredContent"]["results"])
    assert host.background() == ZINC_900
    assert host.headers() == ["ID", "名称", "描述", "价格", "税额", "创建时间"]
    expect(host.view.locator("h1")).to_have_text("物品")
    expect(host.view.locator("#count")).to_have_text("共 3 项")
    expect(host.view.locator("tbody tr").first.locator("button.delete")).to_have_text("删除")
    host.screenshot("items-table-dark-zh")

    # ui/notifications/host-context-changed: the view follows without a new result.
    host.page.evaluate("setHostContext({theme: 'light', locale: 'en-GB'})")
    expect(host.view.locator("h1")).to_have_text("Items")
    assert host.background() == WHITE
    assert host.headers()[1] == "Name"
    host.assert_clean()


def test_the_card_shows_one_item_and_saves_a_change_through_the_bridge(open_host, alice, three_items):
    lamp = three_items[0]
    host = open_host(make_api_key(alice)[1])
    result = host.show(ITEMS_VIEW, "get_item", {"id": lamp.pk}, theme="light", locale="zh-Hans-CN")

    expect(host.view.locator(".card")).to_be_visible()
    assert host.cells(".card") == [result["structuredContent"]]
    expect(host.view.locator(".card dt").nth(1)).to_have_text("名称")
    host.screenshot("items-card-light-zh")

    host.view.locator("button.edit").click()
    host.view.locator("input[name=name]").fill("Desk lamp, brass")
    host.view.locator("input[name=tax]").fill("")
    host.view.locator("button.save").click()
    expect(host.view.locator("dd[data-field=name]")).to_have_text("Desk lamp, brass")
    lamp.refresh_from_db()
    assert (lamp.name, lamp.tax, lamp.price) == ("Desk lamp, brass", None, Decimal("24.90"))
    assert host.tool_calls_from_view() == ["update_item"]
    expect(host.view.locator("#status")).to_have_text("已保存。")
    expect(host.view.locator("h1")).to_have_text("Desk lamp, brass")
    host.page.evaluate("setHostContext({theme: 'dark', locale: 'en-US'})")
    expect(host.view.locator(".card dt").nth(1)).to_have_text("Name")
    expect(host.view.locator("#status")).to_have_text("Saved.")
    assert host.background() == ZINC_900
    host.screenshot("items-card-dark-en-saved")
    host.assert_clean()


def test_delete_from_the_table_removes_the_item_and_shows_the_list_again(open_host, alice, three_items):
    notebook = three_items[1]
    host = open_host(make_api_key(alice)[1])
    host.show(ITEMS_VIEW, "list_items", {}, theme="dark", locale="en")

    row = host.view.locator("tbody tr", has_text="Notebook")
    row.locator("button.delete").click()
    expect(row.locator("button.delete")).to_have_text("Confirm")  # a second click deletes
    host.screenshot("items-table-dark-en-confirm")
    row.locator("button.delete").click()
    expect(host.view.locator("tbody tr")).to_have_count(2)
    assert not Item.objects.filter(pk=notebook.pk).exists()
    assert host.tool_calls_from_view() == ["delete_item", "list_items"]
    assert host.cells("tbody tr") == in_the_table(host.server.call("list_items", {})["structuredContent"]["results"])
    expect(host.view.locator("#status")).to_have_text("Deleted.")

    # Gone behind the view's back: the tool's error comes back through the bridge and is shown, nothing else moves.
    kettle = three_items[2].pk
    three_items[2].delete()
    row = host.view.locator("tbody tr", has_text="Kettle")
    row.locator("button.delete").click()
    row.locator("button.delete").click()
    expect(host.view.locator("#status")).to_have_text(
        f"The call failed: No item {kettle} among yours. Call list_items to see the ids of your items."
    )
    expect(host.view.locator("#status")).to_have_class(re.compile(r"\berror\b"))
    expect(host.view.locator("tbody tr")).to_have_count(2)
    host.assert_clean()


def test_a_read_only_grant_pages_and_opens_but_gets_no_write_button(open_host, alice, three_items):
    host = open_host(make_api_key(alice, scopes=("items:read",))[1])
    first = host.show(ITEMS_VIEW, "list_items", {"page_size": 2}, theme="light", locale="en-US")

    expect(host.view.locator("tbody tr")).to_have_count(2)
    assert host.cells("tbody tr") == in_the_table(first["structuredContent"]["results"])
    expect(host.view.locator("button.delete")).to_have_count(0)
    expect(host.view.locator(".read-only")).to_be_visible()
    host.view.locator("button.next").click()  # reading is allowed: the next page, through the bridge
    expect(host.view.locator("tbody tr")).to_have_count(1)
    second = host.server.call("list_items", {"page_size": 2, "page": 2})
    assert host.cells("tbody tr") == in_the_table(second["structuredContent"]["results"])
    expect(host.view.locator("nav .muted")).to_have_text("Page 2")
    host.view.locator("tbody tr", has_text="Desk lamp").locator("button.open").click()
    expect(host.view.locator(".card dd[data-field=name]")).to_have_text("Desk lamp")
    expect(host.view.locator("button.delete")).to_have_count(0)
    expect(host.view.locator("button.edit")).to_have_count(0)
    assert host.tool_calls_from_view() == ["list_items", "get_item"]
    host.screenshot("items-card-read-only-light-en")
    host.assert_clean()


def test_the_notes_resource_gets_its_view_from_its_schema(open_host, alice):
    Note.objects.create(owner=alice, title="Call Ada", body="About the bridge.", pinned=True)
    Note.objects.create(owner=alice, title="Buy tea")
    host = open_host(make_api_key(alice)[1])
    host_colours = {"--color-background-primary": "#fdf6e3", "--color-text-primary": "#073642"}
    result = host.show(NOTES_VIEW, "list_notes", {}, theme="light", locale="zh-CN", styles={"variables": host_colours})

    expect(host.view.locator("tbody tr")).to_have_count(2)
    assert host.cells("tbody tr") == result["structuredContent"]["results"]
    assert host.headers() == ["ID", "标题", "正文", "置顶"]
    expect(host.view.locator("td[data-field=pinned]")).to_have_text(["否", "是"])
    assert host.background() == "rgb(253, 246, 227)"  # the host's own colours win over the view's
    host.screenshot("notes-table-host-colours-zh")
    host.assert_clean()
