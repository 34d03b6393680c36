"""The inspector in a real browser: create, list, thread, clock, filters, paging, escaping."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
SAVE_SCREENSHOTS = os.environ.get("SAVE_SCREENSHOTS") == "1"  # refresh docs/inspector-*.png


def _screenshot(page, name: str) -> None:
    if SAVE_SCREENSHOTS:
        page.screenshot(path=str(DOCS / name))


KEY = {"authorization": "sk-demo-bland-sms-mock"}


def _seed(server, count: int) -> None:
    conversations = [
        {
            "user_number": f"+1555000{2000 + i}",
            "agent_number": "+15552223333",
            "is_active": i % 3 != 0,
            "variables": {"batch": "seeded", "n": i},
            "messages": [
                {
                    "sender": "USER",
                    "message": f"seeded message {i}",
                    "created_at": f"2026-01-04T{i // 60:02d}:{i % 60:02d}:00Z",
                }
            ],
        }
        for i in range(count)
    ]
    assert httpx.post(f"{server.url}/_mock/seed", json={"conversations": conversations}).status_code == 200


def test_create_through_the_form_then_watch_it_time_out(page, server) -> None:
    page.fill("textarea[name=message]", "Your table is ready. Reply to keep it.")
    page.select_option("select[name=sender]", "AGENT")
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("#create-response:has-text('HTTP 200')")
    assert '"sender": "AGENT"' in page.text_content("#create-request")
    row = page.locator("#list-body tr").first
    row.wait_for()
    assert "+15550001111" in row.text_content()
    assert "active" in row.text_content()
    page.wait_for_selector("#thread-messages li")
    assert "warning in 10m 0s" in page.text_content("#thread-timer")
    page.click("text=+10 min")
    page.wait_for_selector("#thread-messages li.warning")
    assert "warning" in page.text_content("#fired")
    page.fill("#advance-by", "5m")
    page.click("#advance-form button")
    page.wait_for_selector("#thread-messages li.timeout")
    page.wait_for_selector("#list-body tr.timed-out")
    assert "timed out" in page.text_content("#list-body tr.timed-out td.state")
    assert "timed out" in page.text_content("#thread-meta")
    assert page.text_content("#thread-timer") == "No timer pending."
    assert "We haven't heard back" in page.locator("#thread-messages li.timeout").text_content()
    _screenshot(page, "inspector-thread.png")


def test_filter_and_page_through_a_seeded_account(page, server) -> None:
    _seed(server, 60)
    page.select_option("#page-size", "25")
    page.wait_for_selector("#list-summary:has-text('60 conversations match')")
    assert page.text_content("#page-info") == "Page 1 of 3"
    page.click("#next-page")
    page.wait_for_selector("#page-info:has-text('Page 2 of 3')")
    page.click("#next-page")
    page.wait_for_selector("#page-info:has-text('Page 3 of 3')")
    page.wait_for_function("document.querySelectorAll('#list-body tr').length === 10")  # rows land after the page label
    _apply_filter(page, "is_active", "eq", "false")
    page.wait_for_selector("#list-summary:has-text('20 conversations match')")
    assert page.locator("#list-body tr.archived").count() == 20
    page.fill("#search", "+15550002005")
    page.wait_for_selector("#list-summary:has-text('0 conversations match')")
    page.fill("#search", "+1555000203")
    page.wait_for_selector("#list-summary:has-text('4 conversations match')")
    _screenshot(page, "inspector-conversations.png")


def _apply_filter(page, field: str, operator: str, value: str) -> None:
    """Add one filter row through the form and apply it."""
    page.click("#add-filter")
    page.select_option("#filter-rows select >> nth=0", field)
    page.select_option("#filter-rows select >> nth=1", operator)
    page.fill("#filter-rows input", value)
    page.click("#list-form button[type=submit]")


def test_sorting_follows_the_api(page, server) -> None:
    _seed(server, 5)
    page.select_option("#sort-by", "user_number")
    page.select_option("#sort-dir", "asc")
    page.wait_for_function("document.querySelector('#list-body tr td:nth-child(2)')?.textContent === '+15550002000'")


def test_hostile_message_renders_as_text(page, server) -> None:
    hostile = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>"
    body = {
        "user_number": "+15550001111",
        "agent_number": "+15552223333",
        "message": hostile,
        "request_data": {"<b>k</b>": "<i>v</i>"},
    }
    assert httpx.post(f"{server.url}/v1/sms/create", json=body, headers=KEY).status_code == 200
    page.wait_for_selector("#list-body tr")
    page.click("#list-body tr")
    page.wait_for_selector("#thread-messages li")
    assert page.locator("#thread-messages li p").text_content() == hostile
    assert page.locator("#thread-messages img").count() == 0
    assert page.evaluate("window.pwned") is None
    assert "<b>k</b>" in page.text_content("#thread-meta")


def test_bad_duration_and_bad_filter_are_reported(page, server) -> None:
    page.fill("#advance-by", "soon")
    page.click("#advance-form button")
    page.wait_for_selector("#fired:has-text('is not a duration such as 90, 90s, 4m30s or 1h')")
    _apply_filter(page, "message_count", "startsWith", "1")
    page.wait_for_selector("#list-error:has-text('INVALID_FILTERS')")


def test_updates_by_itself_when_state_changes(page, server) -> None:
    body = {"user_number": "+15550009999", "agent_number": "+15552223333", "message": "from another client"}
    httpx.post(f"{server.url}/v1/sms/create", json=body, headers=KEY)
    page.wait_for_selector("#list-body tr:has-text('+15550009999')", timeout=10_000)


def test_asks_for_the_control_token_once_and_then_shows_the_thread(browser) -> None:
    from bland_sms_mock.mock_server.app import create_app
    from bland_sms_mock.mock_server.serving import BackgroundServer

    with BackgroundServer(create_app(control_token="T0k3n")) as running:
        body = {"user_number": "+15550003333", "agent_number": "+15552223333", "message": "behind a token"}
        assert httpx.post(f"{running.url}/v1/sms/create", json=body, headers=KEY).status_code == 200
        context = browser.new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        prompts: list[str] = []

        def answer(dialog) -> None:
            prompts.append(dialog.message)
            dialog.accept("T0k3n")

        page.on("dialog", answer)
        page.goto(f"{running.url}/_mock/ui/")
        page.click("#list-body tr:has-text('+15550003333')")
        page.wait_for_selector("#thread-messages li:has-text('behind a token')")
        context.close()
    assert len(prompts) == 1 and "control token" in prompts[0]


def test_a_mistyped_control_token_can_be_typed_again(browser) -> None:
    from bland_sms_mock.mock_server.app import create_app
    from bland_sms_mock.mock_server.serving import BackgroundServer

    with BackgroundServer(create_app(control_token="T0k3n")) as running:
        context = browser.new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        answers = iter(["typo", "T0k3n"])
        prompts: list[str] = []

        def answer(dialog) -> None:
            prompts.append(dialog.message)
            dialog.accept(next(answers, "T0k3n"))

        page.on("dialog", answer)
        page.goto(f"{running.url}/_mock/ui/")
        page.wait_for_selector("#journal-panel", state="visible")
        page.wait_for_selector("#faults-panel", state="visible")
        page.wait_for_selector("#account option", state="attached")
        context.close()
    assert len(prompts) == 2 and "refused" in prompts[1]


def test_the_inspectors_own_refreshes_stay_out_of_the_journal(page, server) -> None:
    for n in range(3):
        body = {"user_number": f"+1555000444{n}", "agent_number": "+15552223333", "message": f"create {n}"}
        assert httpx.post(f"{server.url}/v1/sms/create", json=body, headers=KEY).status_code == 200
        page.wait_for_selector(f"#list-body tr:has-text('+1555000444{n}')")
    page.click("#list-body tr >> nth=0")
    page.wait_for_selector("#thread-messages li")
    page.click("text=+1 min")
    page.wait_for_selector("#fired:has-text('Nothing fired')")
    page.wait_for_selector("#journal-body tr >> nth=2")
    journal = httpx.get(f"{server.url}/_mock/requests").json()["requests"]
    assert [(r["method"], r["path"]) for r in journal] == [("POST", "/v1/sms/create")] * 3
    assert page.locator("#journal-body tr").count() == 3


def test_journal_shows_requests_and_faults_are_added_applied_and_cleared(page, server) -> None:
    assert page.locator("#journal-panel").is_visible() and page.locator("#faults-panel").is_visible()
    page.fill("#fault-path", "/v1/sms/create")
    page.fill("#fault-status", "503")
    page.fill("#fault-times", "1")
    page.click("#fault-form button[type=submit]")
    page.wait_for_selector("#faults-list li:has-text('503')")
    body = {"user_number": "+15550004444", "agent_number": "+15552223333", "message": "journaled"}
    assert httpx.post(f"{server.url}/v1/sms/create", json=body, headers=KEY).status_code == 503
    assert httpx.post(f"{server.url}/v1/sms/create", json=body, headers=KEY).status_code == 200
    page.wait_for_selector("#journal-body tr:has-text('fault-1: status 503')")
    page.wait_for_selector("#journal-body tr:has-text('200')")
    page.wait_for_selector("#faults-list li:has-text('applied 1, 0 left')")
    page.click("#faults-clear")
    page.wait_for_selector("#faults-list li", state="detached")
    assert httpx.get(f"{server.url}/_mock/faults").json() == {"faults": []}
    page.click("#journal-clear")
    page.wait_for_selector("#journal-body tr", state="detached")
