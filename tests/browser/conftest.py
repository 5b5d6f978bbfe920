"""Playwright driving Debian's Chromium (no browser download) against the test server.

Requests to any other host than the test servers are aborted, as on the test
machines where basemap tiles are unreachable; console errors about those are not
the page's own and are ignored, every other console error fails the test.
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


# Playwright's sync API runs an event loop in the test thread; Django's guard against
# database calls from async code would refuse the tests' own queries (the recipe
# pytest-django documents for Playwright). The server under test runs in threads.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (scripts/setup-system.sh --browser)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        # Connections opened while Playwright's loop ran belong to that context: close them here.
        connections.close_all()
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Console:
    def __init__(self):
        self.errors: list[str] = []


def _local(url: str) -> bool:
    return urlparse(url).hostname in ("127.0.0.1", "localhost", None, "")


@pytest.fixture
def open_page(browser, api_server):
    """open_page(path, **context options) -> (page, console); pages are closed after the test."""
    contexts = []

    def opener(path: str, **options):
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **options)
        contexts.append(context)
        context.route(lambda url: not _local(url), lambda route: route.abort())
        page = context.new_page()
        page.set_default_timeout(20_000)
        console = Console()

        def on_console(message):
            # Errors located in our own pages and resources count; a basemap tile that
            # cannot be reached (another host) is the test machine's, not the page's.
            if message.type == "error" and _local(message.location.get("url", "")):
                console.errors.append(f"{message.text} @ {message.location.get('url')}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))

        def on_failed(request):
            # A request still in flight when the page navigates away is aborted by the
            # browser (net::ERR_ABORTED): not a failure of the page (a debounced duplicate
            # check when the form is sent, on a loaded machine).
            if _local(request.url) and "ERR_ABORTED" not in (request.failure or ""):
                console.errors.append(f"failed: {request.url} ({request.failure})")

        page.on("requestfailed", on_failed)
        if path:
            page.goto(api_server + path)
        return page, console

    yield opener
    for context in contexts:
        context.close()
    connections.close_all()


def load_seq(page) -> int:
    return int(page.get_attribute("[data-carte]", "data-load-seq") or 0)


def wait_loaded(page, after: int = 0) -> int:
    """Wait until the map has loaded its actors (a load later than `after`); their number."""
    page.wait_for_function(
        "after => Number(document.querySelector('[data-carte]').dataset.loadSeq || 0) > after",
        arg=after,
    )
    value = page.get_attribute("[data-carte]", "data-loaded")
    assert value != "error", page.text_content("[data-count]")
    return int(value)
