"""tests/kit: every `mutants.Mutant` passes a send's `idempotency-key` header on to the mock it wraps.

`Mutant` forwards only `authorization` and `content-type`, so behind it the mock would see no key and
every catalogue target would fail `send.idempotency` for a reason of the harness. Until `mutants.py`
forwards the header itself (a one-word change, left to the catalogue's re-keying; this wrapper then adds
nothing, as the header is already there), `Mutant.__call__` notes the request's key and `Mutant.send`
adds it to a send. A target that means to drop the key sets the header to None in its call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import mutants
import pytest

KEY_HEADER = "idempotency-key"
_local = threading.local()
_call = mutants.Mutant.__call__
_send = mutants.Mutant.send


def _noting_the_key(self: mutants.Mutant, environ: dict[str, Any], start_response: Callable) -> Any:
    """Note the request's idempotency-key (per thread: the server may serve requests at once), then serve it."""
    _local.key = environ.get("HTTP_IDEMPOTENCY_KEY")
    return _call(self, environ, start_response)


def _sending_the_key(self: mutants.Mutant, call: mutants.Call) -> tuple[int, Any]:
    """Send a call to the wrapped mock; a send carries the request's key unless the call names its own (or None)."""
    headers = dict(call["headers"])
    named = next((k for k in headers if k.lower() == KEY_HEADER), None)
    if named is None and call["path"] == "/v1/sms/send" and getattr(_local, "key", None) is not None:
        headers[KEY_HEADER] = _local.key
    elif named is not None and headers[named] is None:
        del headers[named]
    return _send(self, {**call, "headers": headers})


mutants.Mutant.__call__ = _noting_the_key  # type: ignore[method-assign]
mutants.Mutant.send = _sending_the_key  # type: ignore[method-assign]


OUTDATED_BENIGN = {
    "test_a_benign_target_passes[wrong_method_404]": "it answers 404 to every route but create and list, so it "
    "implements none of send, one conversation, PATCH, DELETE, delete messages and numbers",
    "test_a_benign_target_passes[other_id_format]": "it rewrites ids only in create and list answers, so "
    "GET/PATCH/DELETE /v1/sms/conversations/cv-... reach the mock with an id it never gave",
}
"""Catalogue targets written for the two-endpoint API that the checks of the new endpoints rightly fail;
the catalogue's re-keying updates them (then these strict xfails turn into failures, to be removed)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the outdated benign targets as expected failures, with the reason."""
    for item in items:
        reason = OUTDATED_BENIGN.get(item.name) if item.path.name == "test_kill_rate.py" else None
        if reason:
            item.add_marker(pytest.mark.xfail(reason=f"outdated catalogue target: {reason}", strict=True))
