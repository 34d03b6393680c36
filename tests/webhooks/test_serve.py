"""`bland-sms-mock serve` delivers webhooks from its own process, loopback-only unless told otherwise."""

from __future__ import annotations

import signal

import httpx
import pytest
from serve_support import start_serve

from bland_sms_mock import WebhookReceiver

pytestmark = pytest.mark.e2e
KEY = {"authorization": "sk-demo-bland-sms-mock"}


@pytest.mark.parametrize(("flags", "any_host"), [((), False), (("--webhooks-any-host",), True)])
def test_serve_posts_a_timeout_webhook_and_says_which_hosts_it_may_reach(
    flags: tuple[str, ...], any_host: bool, bland_webhook_receiver: WebhookReceiver
) -> None:
    process, url, banner = start_serve(*flags)
    try:
        assert ("delivered to any host" in banner) is any_host
        update = {"phone_number": "+15552223333", "webhook": bland_webhook_receiver.url}
        assert httpx.post(f"{url}/v1/sms/number/update", json=update, headers=KEY).status_code == 200
        httpx.post(f"{url}/_mock/clock", json={"freeze": True})
        send = {"user_number": "+15550001111", "agent_number": "+15552223333", "agent_message": "hi"}
        assert httpx.post(f"{url}/v1/sms/send", json=send, headers=KEY).status_code == 200

        httpx.post(f"{url}/_mock/clock", json={"advance": "15m"})

        assert bland_webhook_receiver.wait_for(1, type="status")[0].json["status"] == "timeout"
        assert httpx.get(f"{url}/_mock/webhooks").json()["any_host"] is any_host
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
