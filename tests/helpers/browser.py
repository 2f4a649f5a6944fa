"""Debian's Chromium, driven by Playwright (never `playwright install`), for the page tests."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, expect

CHROMIUM = "/usr/bin/chromium"
# Screenshots for people to look at; git-ignored.
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Without the background-networking flags Chromium tries to reach Google's hosts, which this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Playwright) -> Browser:
    ARTIFACTS.mkdir(exist_ok=True)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def local_page(
    browser: Browser, base_url: str, *, clipboard: bool = False, **context: object
) -> tuple[Page, list[str]]:
    """A page that records every request it makes beyond base_url (and never sends them)."""
    browser_context = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"] if clipboard else [], **context
    )
    elsewhere: list[str] = []

    def route(route_):
        if route_.request.url.startswith(base_url):
            route_.continue_()
        else:
            elsewhere.append(route_.request.url)
            route_.abort()

    browser_context.route("**/*", route)
    return browser_context.new_page(), elsewhere


def admin_sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its window (0: no horizontal scroll bar)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def add_in_admin(
    browser: Browser, base_url: str, add_path: str, username: str, password: str, name: str
) -> tuple[Page, list[str]]:
    """Sign in to the admin in a 1,280-pixel window, open add_path and save with only a name typed (the user
    field must already hold the signed-in user). Returns the page the save led to, and requests sent elsewhere."""
    page, elsewhere = local_page(browser, base_url, viewport={"width": 1280, "height": 900}, clipboard=True)
    admin_sign_in(page, base_url, username, password)
    page.goto(base_url + add_path)
    # A searchable choice (the admin's autocomplete), already on the signed-in user.
    expect(page.locator("#select2-id_user-container")).to_have_attribute("title", username)
    page.fill("#id_name", name)
    page.click("input[name=_save]")
    return page, elsewhere
