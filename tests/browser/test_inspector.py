"""The inspector in a real browser: create, send, end, delete, list, thread, clock, filters, paging, escaping,
webhook deliveries, webhook faults and the accounts' webhook secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from bland_sms_mock.mock_server.serving import free_port

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
SAVE_SCREENSHOTS = os.environ.get("SAVE_SCREENSHOTS") == "1"  # refresh docs/inspector-*.png
SHOT_DIR = os.environ.get("INSPECTOR_SHOT_DIR")  # any folder: screenshots to look at, docs left alone


def _screenshot(page, name: str, element: str | None = None) -> None:
    """Save a screenshot of the page's top into docs/ (SAVE_SCREENSHOTS=1) and/or INSPECTOR_SHOT_DIR."""
    folders = [DOCS] if SAVE_SCREENSHOTS else []
    folders += [Path(SHOT_DIR)] if SHOT_DIR else []
    if folders and element is None:
        page.evaluate("window.scrollTo(0, 0)")  # a click on the form below may have scrolled it
    for folder in folders:
        target = page.locator(element) if element else page
        target.screenshot(path=str(folder / name))


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


# ------------------------------------------------------------------------------------------- webhooks

DELIVERIES = "#webhook-list > li"


def _point_webhooks_at(server, url: str) -> None:
    body = {"phone_number": "+15552223333", "webhook": url}
    assert httpx.post(f"{server.url}/v1/sms/number/update", json=body, headers=KEY).status_code == 200


def _wait_for_rows(page, selector: str, count: int) -> None:
    """Wait for the rows themselves (never only for a summary line: the rows may land after it)."""
    page.wait_for_function(f"document.querySelectorAll({json.dumps(selector)}).length === {count}")


def test_a_threads_webhooks_show_every_delivery_attempt_and_payload(page, server, bland_webhook_receiver) -> None:
    _point_webhooks_at(server, bland_webhook_receiver.url)
    hostile = "<img src=x onerror=window.pwned=1> Reply YES to confirm"
    _send(server, "+15550001212", hostile)
    bland_webhook_receiver.wait_for(1)
    page.click("#list-body tr:has-text('+15550001212')")
    _wait_for_rows(page, f"{DELIVERIES}.delivered", 1)
    first = page.locator(DELIVERIES).first
    head = first.locator(".delivery-head").text_content()
    assert "delivered" in head and "message · AGENT" in head and "2026-01-05 09:00:00Z" in head
    assert f"POST {bland_webhook_receiver.url}" in first.text_content()
    attempt = first.locator(".attempts tbody tr").text_content()
    assert "2026-01-05 09:00:00Z" in attempt and "spawn" in attempt and "200" in attempt and "ms" in attempt
    assert not first.locator(".payload pre").is_visible()  # collapsed until asked for
    first.locator(".payload summary").click()
    payload = json.loads(first.locator(".payload pre").text_content())
    assert payload["message"] == hostile and payload["type"] == "message"
    assert page.locator("#webhook-list img").count() == 0 and page.evaluate("window.pwned") is None
    assert bland_webhook_receiver.requests[0].signature in first.locator(".signature").text_content()
    # the number's webhook shows under Accounts (the accounts are read again when the state moves)
    page.wait_for_selector(f"#accounts-body tr:has-text('{bland_webhook_receiver.url}')")

    page.fill("#advance-by", "15m")  # the warning at 10 min, the timeout at 15 min
    page.click("#advance-form button")
    _wait_for_rows(page, f"{DELIVERIES}.delivered", 4)
    rows = page.locator(DELIVERIES)
    assert "message · AGENT · warning" in rows.nth(1).locator(".delivery-head").text_content()
    assert "message · AGENT · timeout" in rows.nth(2).locator(".delivery-head").text_content()
    status = rows.nth(3)
    assert "status · timeout" in status.locator(".delivery-head").text_content()
    timeout_attempt = status.locator(".attempts tbody tr").text_content()
    assert "2026-01-05 09:15:00Z" in timeout_attempt and "200" in timeout_attempt
    status.locator(".payload summary").click()
    assert json.loads(status.locator(".payload pre").text_content())["status"] == "timeout"
    assert first.locator(".payload").evaluate("details => details.open")  # stays open across refreshes
    assert page.text_content("#webhooks-count") == "(4: 4 delivered)"


def test_a_failing_delivery_shows_its_errors_retries_and_the_webhooks_waiting_behind_it(page, server) -> None:
    _point_webhooks_at(server, f"http://127.0.0.1:{free_port('127.0.0.1')}/hook")  # nothing listens there
    _send(server, "+15550001313", "Reply YES to confirm")
    page.click("#list-body tr:has-text('+15550001313')")
    attempts = f"{DELIVERIES} >> nth=0 >> .attempts tbody tr"
    page.wait_for_selector(f"{DELIVERIES}.pending .due")
    first = page.locator(DELIVERIES).first
    assert "could not connect" in first.locator(".attempts tbody tr").text_content()
    assert "no answer" in first.locator(".attempts tbody tr").text_content()
    assert first.locator(".due").text_content() == "retry 1 due at 2026-01-05 09:00:10Z (in 10s)"

    page.click("text=+1 min")  # the retry due at 09:00:10 goes out at once, at 09:01:00, and fails too
    page.wait_for_function(f"document.querySelectorAll('{DELIVERIES}:first-child .attempts tbody tr').length === 2")
    second = first.locator(".attempts tbody tr").nth(1).text_content()
    assert "2026-01-05 09:01:00Z" in second and "retry" in second and "could not connect" in second
    assert first.locator(".due").text_content() == "retry 2 due at 2026-01-05 09:02:00Z (in 1m 0s)"

    page.click("text=+10 min")  # a third attempt; the warning's webhook (09:10) waits behind this one
    _wait_for_rows(page, DELIVERIES, 2)
    page.wait_for_function(f"document.querySelectorAll('{DELIVERIES}:first-child .attempts tbody tr').length === 3")
    assert page.locator(DELIVERIES).nth(1).locator(".due").text_content().startswith("waiting for whd_1")
    page.click("text=+10 min")  # the fourth and last attempt fails: failed, and the next one goes out
    page.wait_for_selector(f"{DELIVERIES}:first-child.failed")
    assert page.locator(attempts).count() == 4 and first.locator(".due").count() == 0
    page.wait_for_function(f"document.querySelectorAll('{DELIVERIES}:nth-child(2) .attempts tbody tr').length === 1")
    assert "retry 1 due at" in page.locator(DELIVERIES).nth(1).locator(".due").text_content()
    _wait_for_rows(page, DELIVERIES, 4)  # the timeout (09:15) fired: its message and status webhooks wait
    assert [page.locator(DELIVERIES).nth(n).locator(".due").text_content() for n in (2, 3)] == [
        "waiting for whd_2: a conversation's webhooks go out in event order"
    ] * 2
    assert page.text_content("#webhooks-count") == "(4: 1 failed, 3 pending)"
    _screenshot(page, "inspector-webhooks.png", element="#webhooks-section")


def test_webhook_faults_are_added_shown_applied_removed_and_cleared(page, server, bland_webhook_receiver) -> None:
    assert page.locator("#webhook-faults-panel").is_visible()
    _point_webhooks_at(server, bland_webhook_receiver.url)
    page.select_option("#wfault-effect", "drop")
    page.select_option("#wfault-event", "message")
    page.fill("#wfault-times", "1")
    page.click("#webhook-fault-form button[type=submit]")
    page.wait_for_selector("#wfaults-list li:has-text('wf-1: drop · message webhooks')")
    assert "matched 0, applied 0, 1 left" in page.text_content("#wfaults-list li")
    _send(server, "+15550001414", "This one is dropped")
    page.click("#list-body tr:has-text('+15550001414')")
    _wait_for_rows(page, f"{DELIVERIES}.dropped", 1)
    dropped = page.locator(DELIVERIES).first
    assert "dropped by webhook fault wf-1" in dropped.text_content() and dropped.locator(".attempts").count() == 0
    page.wait_for_selector("#wfaults-list li:has-text('matched 1, applied 1, 0 left')")
    _send(server, "+15550001414", "This one arrives")  # the rule's one time is spent
    _wait_for_rows(page, f"{DELIVERIES}.delivered", 1)
    _wait_for_rows(page, DELIVERIES, 2)
    assert [r.json["message"] for r in bland_webhook_receiver.wait_for(1)] == ["This one arrives"]

    page.select_option("#wfault-effect", "delay")
    page.select_option("#wfault-event", "")  # any
    page.fill("#wfault-times", "")
    page.fill("#wfault-delay", "soon")
    page.click("#webhook-fault-form button[type=submit]")
    page.wait_for_selector("#wfault-error:has-text('INVALID_FIELD')")
    page.fill("#wfault-delay", "30s")
    page.click("#webhook-fault-form button[type=submit]")
    page.wait_for_selector("#wfaults-list li:has-text('wf-2: delay 30s · every webhook')")
    assert page.text_content("#wfault-error") == ""
    page.select_option("#wfault-effect", "duplicate")
    assert not page.locator("#wfault-delay").is_visible()
    page.fill("#wfault-after", "40s")
    page.select_option("#wfault-event", "status")
    page.select_option("#wfault-account", "demo")
    page.fill("#wfault-probability", "0.5")
    page.fill("#wfault-seed", "7")
    page.click("#webhook-fault-form button[type=submit]")
    page.wait_for_selector(
        "#wfaults-list li:has-text('wf-3: duplicate, second copy 40s later · status webhooks · account demo"
        " · probability 0.5 (seed 7)')"
    )
    rules = httpx.get(f"{server.url}/_mock/webhooks/faults").json()["faults"]
    assert rules[1] | {"matched": 0} == {"id": "wf-2", "delay": 30.0, "matched": 0, "applied": 0, "remaining": None}
    assert {k: rules[2][k] for k in ("duplicate", "duplicate_after", "event", "account", "probability", "seed")} == {
        "duplicate": True,
        "duplicate_after": 40.0,
        "event": "status",
        "account": "demo",
        "probability": 0.5,
        "seed": 7,
    }
    page.click("#wfaults-list li:has-text('wf-2') button")
    _wait_for_rows(page, "#wfaults-list li", 2)
    assert [f["id"] for f in httpx.get(f"{server.url}/_mock/webhooks/faults").json()["faults"]] == ["wf-1", "wf-3"]
    page.click("#wfaults-clear")
    _wait_for_rows(page, "#wfaults-list li", 0)
    assert httpx.get(f"{server.url}/_mock/webhooks/faults").json() == {"faults": []}


def test_a_webhook_fault_added_by_another_client_shows_up_by_itself(page, server) -> None:
    assert httpx.post(f"{server.url}/_mock/webhooks/faults", json={"drop": True}).status_code == 201
    page.wait_for_selector("#wfaults-list li:has-text('wf-1: drop · every webhook')")


def test_each_accounts_webhook_secret_is_shown_and_can_be_copied(page, server) -> None:
    other = {"api_key": "sk-clinic", "agent_numbers": [{"number": "+15557770000"}], "webhook_secret": "whsec_clinic_1"}
    assert httpx.post(f"{server.url}/_mock/accounts", json=other).status_code == 201
    page.reload()
    _wait_for_rows(page, "#accounts-body tr", 2)
    accounts = httpx.get(f"{server.url}/_mock/accounts").json()["accounts"]
    assert [a["webhook_secret"] for a in accounts][1] == "whsec_clinic_1"
    for account in accounts:
        row = page.locator(f"#accounts-body tr[data-account='{account['name']}']")
        assert row.locator("td.secret code").text_content() == account["webhook_secret"]
        assert account["api_key"] in row.text_content()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page.click("#accounts-body tr[data-account='demo'] td.secret button")
    page.wait_for_selector("#accounts-body tr[data-account='demo'] td.secret button:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == accounts[0]["webhook_secret"]
