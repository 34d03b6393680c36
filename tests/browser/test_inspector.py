"""The inspector in a real browser: create, send, end, delete, list, thread, clock, filters, paging, escaping."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
SAVE_SCREENSHOTS = os.environ.get("SAVE_SCREENSHOTS") == "1"  # refresh docs/inspector-*.png
SHOT_DIR = os.environ.get("INSPECTOR_SHOT_DIR")  # any folder: screenshots to look at, docs left alone


def _screenshot(page, name: str) -> None:
    """Save a screenshot of the page's top into docs/ (SAVE_SCREENSHOTS=1) and/or INSPECTOR_SHOT_DIR."""
    folders = [DOCS] if SAVE_SCREENSHOTS else []
    folders += [Path(SHOT_DIR)] if SHOT_DIR else []
    if folders:
        page.evaluate("window.scrollTo(0, 0)")  # a click on the form below may have scrolled it
    for folder in folders:
        page.screenshot(path=str(folder / name))


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
    # the summary can change before the rows land: wait for the rows themselves
    page.wait_for_function("document.querySelectorAll('#list-body tr.ended').length === 20")
    assert page.locator("#list-body tr").count() == 20
    assert page.locator("#list-body tr.ended td.state").first.text_content() == "○ ended"
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
        doomed = {**body, "user_number": "+15550003334", "message": "deleted behind a token"}
        doomed_id = httpx.post(f"{running.url}/v1/sms/create", json=doomed, headers=KEY).json()["data"][
            "conversation_id"
        ]
        assert httpx.delete(f"{running.url}/v1/sms/conversations/{doomed_id}", headers=KEY).status_code == 200
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
        # /_mock/deleted answers per account: the key in `authorization`, the token in `x-mock-token`
        page.wait_for_selector("#deleted-body tr:has-text('+15550003334')")
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


def _journal(server) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in httpx.get(f"{server.url}/_mock/requests").json()["requests"]]


def _send(server, user: str, text: str) -> str:
    body = {"user_number": user, "agent_number": "+15552223333", "agent_message": text}
    response = httpx.post(f"{server.url}/v1/sms/send", json=body, headers=KEY)
    assert response.status_code == 200
    return response.json()["data"]["conversation_id"]


def test_send_as_agent_shows_the_message_in_the_thread(page, server) -> None:
    page.check("input[name=mode][value=send]")
    assert page.text_content("#create-submit") == "Send as agent"
    assert not page.locator("select[name=sender]").is_visible()  # send has no sender: it is always the agent
    page.fill("textarea[name=message]", "Hi Sam, your table for 4 at 7pm is confirmed. Reply C to cancel.")
    page.fill("input[name=idempotency_key]", "booking-7731")
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("#create-response:has-text('HTTP 200')")
    request = page.text_content("#create-request")
    assert request.startswith("POST /v1/sms/send\n") and "idempotency-key: booking-7731" in request
    assert '"agent_message": "Hi Sam' in request and '"sender"' not in request
    assert '"message_id"' in page.text_content("#create-response")
    page.wait_for_selector("#thread-messages li.agent:has-text('your table for 4')")
    assert page.text_content("#thread-state") == "● active"
    assert "warning in 10m 0s" in page.text_content("#thread-timer")  # a send starts the silence timer
    assert "● active" in page.locator("#list-body tr:has-text('+15550001111')").text_content()

    page.click("text=+1 min")  # the reply below is a minute later
    page.wait_for_selector("#fired:has-text('Nothing fired')")
    httpx.post(
        f"{server.url}/v1/sms/create",
        json={"user_number": "+15550001111", "agent_number": "+15552223333", "message": "Great, thanks! See you."},
        headers=KEY,
    )
    page.wait_for_selector("#thread-messages li.user:has-text('See you')")
    page.fill("textarea[name=message]", "")  # no agent_message: the mock's stand-in for the AI writes one
    page.click("#create-form button[type=submit]")  # the same idempotency-key with another body is refused
    page.wait_for_selector("#create-response:has-text('HTTP 409')")
    assert "IDEMPOTENCY_KEY_REUSED" in page.text_content("#create-response")
    page.fill("input[name=idempotency_key]", "")
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("#thread-messages li.agent:has-text('automated reply from the Bland SMS mock')")
    assert page.locator("#thread-messages li").count() == 3
    _screenshot(page, "inspector-send.png")
    journal = httpx.get(f"{server.url}/_mock/requests").json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [
        ("POST", "/v1/sms/send", 200),
        ("POST", "/v1/sms/create", 200),
        ("POST", "/v1/sms/send", 409),
        ("POST", "/v1/sms/send", 200),
    ]  # the user's sends are journalled like any client's; the page's own refreshes are not
    assert journal[0]["headers"]["idempotency-key"] == "booking-7731" and "idempotency-key" not in journal[3]["headers"]


def test_end_labels_it_ended_and_the_timer_goes(page, server) -> None:
    _send(server, "+15550005555", "Your appointment is tomorrow at 10.")
    page.click("#list-body tr:has-text('+15550005555')")
    page.wait_for_selector("#thread-timer:has-text('warning in')")
    page.click("#end-conversation")
    page.wait_for_selector("#thread-action:has-text('HTTP 200: Conversation updated successfully')")
    page.wait_for_selector("#list-body tr.ended:has-text('+15550005555')")
    assert page.text_content("#list-body tr.ended td.state") == "○ ended"  # not "timed out": timed_out_at is null
    page.wait_for_selector("#thread-state:has-text('○ ended')")
    assert page.text_content("#thread-timer") == "No timer pending."
    assert "ended" in page.text_content("#thread-meta") and "timed out" not in page.text_content("#thread-meta")
    assert page.text_content("#end-conversation") == "Make active again"
    page.click("text=+1 h")  # past the 15-minute timeout: nothing fires for an ended conversation
    page.wait_for_selector("#fired:has-text('Nothing fired')")
    assert page.locator("#thread-messages li").count() == 1
    assert page.text_content("#list-body tr.ended td.state") == "○ ended"
    patch = f"/v1/sms/conversations/{page.locator('#list-body tr').first.get_attribute('data-id')}"
    assert _journal(server) == [("POST", "/v1/sms/send"), ("PATCH", patch)]
    assert httpx.get(f"{server.url}/_mock/requests").json()["requests"][1]["body"] == {"is_active": False}


def test_delete_asks_first_then_moves_it_under_deleted(page, server) -> None:
    kept = _send(server, "+15550006666", "Kept conversation")
    doomed = _send(server, "+15550007777", "Conversation to delete")
    page.wait_for_selector("#list-summary:has-text('2 conversations match')")
    assert page.locator("#deleted-empty").is_visible()
    page.click("#list-body tr:has-text('+15550007777')")
    page.wait_for_selector("#thread-messages li:has-text('Conversation to delete')")
    dialogs: list[str] = []

    def answer_no(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer_no)
    page.click("#delete-conversation")
    assert dialogs and doomed in dialogs[0] and "cannot be undone" in dialogs[0]
    assert httpx.get(f"{server.url}/v1/sms/conversations/{doomed}", headers=KEY).status_code == 200  # cancelled

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-conversation")
    page.wait_for_selector("#thread-action:has-text('HTTP 200: Conversation and all associated messages deleted')")
    row = page.locator("#deleted-body tr:has-text('+15550007777')")
    row.wait_for()
    assert "✕ deleted" in row.text_content() and "2026-01-05 09:00:00Z" in row.text_content()  # deleted_at
    assert page.text_content("#deleted-count") == "(1)"
    page.wait_for_selector("#list-summary:has-text('1 conversation matches')")
    page.wait_for_function("document.querySelectorAll('#list-body tr').length === 1")  # rows land after the summary
    assert page.locator("#list-body tr:has-text('+15550007777')").count() == 0
    assert page.locator("#list-body tr").first.get_attribute("data-id") == kept
    page.wait_for_selector(f"#thread-empty:has-text('Conversation {doomed} was deleted at 2026-01-05 09:00:00Z')")
    assert _journal(server) == [
        ("POST", "/v1/sms/send"),
        ("POST", "/v1/sms/send"),
        ("GET", f"/v1/sms/conversations/{doomed}"),  # this test's own check after the cancelled confirm
        ("DELETE", f"/v1/sms/conversations/{doomed}"),
    ]
    other = {"api_key": "sk-other", "agent_numbers": [{"number": "+15557770000"}]}
    assert httpx.post(f"{server.url}/_mock/accounts", json=other).status_code == 201
    page.reload()  # the account picker is filled once, at load
    page.select_option("#account", "sk-other")
    page.wait_for_selector("#deleted-count:has-text('(0)')")  # deleted conversations are per account
    page.wait_for_function("document.querySelectorAll('#deleted-body tr').length === 0")


def test_a_timed_out_conversation_made_active_again_then_ended_reads_ended(page, server) -> None:
    conversation_id = _send(server, "+15550008888", "Reply to keep your booking.")
    page.click("#list-body tr:has-text('+15550008888')")
    page.fill("#advance-by", "15m")
    page.click("#advance-form button")
    page.wait_for_selector("#list-body tr.timed-out")
    assert page.text_content("#thread-state") == "◌ timed out"
    page.click("#end-conversation")  # on an ended conversation: "Make active again"
    page.wait_for_selector("#thread-state:has-text('● active')")
    page.click("text=+1 min")
    page.wait_for_selector("#fired:has-text('Nothing fired')")
    page.click("#end-conversation")
    page.wait_for_selector("#thread-state:has-text('○ ended')")
    # a reactivation clears timed_out_at (update.reactivate), so the PATCH-ended conversation reads ended
    detail = httpx.get(f"{server.url}/_mock/conversations/{conversation_id}", headers=KEY).json()["data"]
    assert detail["timed_out_at"] is None and detail["updated_at"] == "2026-01-05T09:16:00.000Z"
    assert page.text_content("#list-body tr:has-text('+15550008888') td.state") == "○ ended"
