"""Headless Chromium (Debian's) driven by Playwright against a real mock server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.serving import BackgroundServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_GET_ONE = (
    "Chromium or playwright missing: apt-get install chromium && pip install playwright (never `playwright install`)"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session, or a skip saying how to get one."""
    sync_api = pytest.importorskip("playwright.sync_api", reason=HOW_TO_GET_ONE)
    if CHROMIUM is None:
        pytest.skip(HOW_TO_GET_ONE)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    """A real mock (demo account) on a free loopback port, clock frozen at a known instant."""
    with BackgroundServer(create_app()) as running:
        httpx.post(f"{running.url}/_mock/clock", json={"set": "2026-01-05T09:00:00Z"})
        yield running


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """The inspector open in a fresh page; fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{server.url}/_mock/ui/")
    opened.wait_for_selector("#account option", state="attached")
    opened.wait_for_selector("#page-info:has-text('No pages')")
    yield opened
    context.close()
    assert errors == []
