"""Turn a mock's request journal into a scenario skeleton, in the format of `fixtures/scenarios`.

Each `/v1` request becomes a `create` or `list` step expecting the status (and error code) it got;
conversation ids returned by a create are saved and later uses become `{{ cN.conversation_id }}`; accounts
added at run time become the setup; with `keep_time`, the clock is set where the journal starts and moved
between requests as it moved when they were made, so timers fire at the same points on replay.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from bland_sms_mock.contracts.models.api import timestamp_ms
from bland_sms_mock.contracts.models.control import format_duration
from bland_sms_mock.contracts.models.scenario import Scenario
from bland_sms_mock.contracts.scenarios.report import counted

API_PATHS = {"/v1/sms/create": "create", "/v1/sms/conversations": "list"}
WRONG_KEY = "sk-recorded-unknown-key"
"""The key a recorded request with a missing or unknown key is replayed with (the journal masks keys)."""


class NothingToRecord(ValueError):
    """The journal holds no `/v1` request that could become a step; the message says what it holds."""


def scenario_from_journal(
    entries: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    *,
    name: str,
    source: str,
    keep_time: bool = False,
) -> dict[str, Any]:
    """A scenario document (valid against `Scenario`) from journal entries and the mock's accounts.

    Raises:
        NothingToRecord: no entry is a create or list request answered by the mock itself.
    """
    calls = [e for e in entries if e.get("path") in API_PATHS and e.get("method") in ("GET", "POST")]
    faulted = [e for e in calls if e.get("fault")]
    calls = [e for e in calls if not e.get("fault")]
    if not calls:
        held = counted(len(entries), "entry", "entries")
        raise NothingToRecord(
            f"the journal holds no create or list request to record ({held}, {len(faulted)} answered by fault rules)"
        )
    keys = {a.get("name"): a.get("api_key") for a in accounts}
    default_account = next((e.get("account") for e in calls if e.get("account")), None)
    runtime = [a for a in accounts if not a.get("from_config", True)]
    setup: dict[str, Any] = {}
    if runtime:
        setup["accounts"] = [{"api_key": a["api_key"], "agent_numbers": a.get("agent_numbers", [])} for a in runtime]
    if default_account in keys and any(a.get("name") == default_account for a in runtime):
        setup["api_key"] = keys[default_account]
    if keep_time and calls:
        setup["clock"] = calls[0]["time"]
    saved: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    previous_ms: int | None = None
    for entry in calls:
        moment = timestamp_ms(entry["time"])
        if keep_time and previous_ms is not None and moment - previous_ms >= 1000:
            steps.append({"advance": format_duration((moment - previous_ms) // 1000)})
        previous_ms = moment
        steps.append(_step(entry, keys, default_account, saved))
    skipped = f"; {len(faulted)} answered by fault rules left out" if faulted else ""
    document: dict[str, Any] = {
        "name": name,
        "description": (
            f"Recorded from {source}: {counted(len(calls), 'request')}{skipped}. A skeleton: review each expectation, "
            "give the steps titles, and add state checks (expect: conversation/fields/messages) where they matter."
        ),
        "tags": ["recorded"],
    }
    if setup:
        document["setup"] = setup
    document["steps"] = steps
    Scenario.model_validate(document)
    return document


def _step(entry: dict[str, Any], keys: dict[str, str], default_account: str | None, saved: dict[str, str]) -> dict:
    action = API_PATHS[entry["path"]]
    step: dict[str, Any] = {}
    if action == "create":
        body = entry.get("body")
        step["create"] = _templated(body if body is not None else "", saved)
    else:
        query = dict(entry.get("query") or {})
        if "filters" in query:
            with contextlib.suppress(ValueError):
                query["filters"] = json.loads(query["filters"])
        step["list"] = _templated(query, saved)
    account = entry.get("account")
    if account is None:
        step["api_key"] = "" if "authorization" not in (entry.get("headers") or {}) else WRONG_KEY
    elif account != default_account and account in keys:
        step["api_key"] = keys[account]
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    expect: dict[str, Any] = {"status": entry.get("status")}
    errors = response.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("error"):
        expect["error"] = errors[0]["error"]
    data = response.get("data")
    if action == "create" and isinstance(data, dict) and data.get("conversation_id"):
        conversation_id = data["conversation_id"]
        if conversation_id not in saved:
            name = f"c{len(saved) + 1}"
            saved[conversation_id] = name
            step["save_as"] = name
        else:
            expect["data"] = {"conversation_id": f"{{{{ {saved[conversation_id]}.conversation_id }}}}"}
    pagination = (response.get("extra") or {}).get("pagination") if isinstance(response.get("extra"), dict) else None
    if action == "list" and isinstance(pagination, dict):
        expect["pagination"] = {k: pagination[k] for k in ("totalItems", "totalPages") if k in pagination}
    if action == "list" and isinstance(data, list) and all(isinstance(i, dict) and i.get("id") in saved for i in data):
        expect["ids"] = [f"{{{{ {saved[i['id']]}.conversation_id }}}}" for i in data]
    step["expect"] = expect
    return step


def _templated(value: Any, saved: dict[str, str]) -> Any:
    """`value` with every known conversation id replaced by its template."""
    if isinstance(value, str):
        for conversation_id, name in saved.items():
            value = value.replace(conversation_id, f"{{{{ {name}.conversation_id }}}}")
        return value
    if isinstance(value, dict):
        return {k: _templated(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [_templated(v, saved) for v in value]
    return value
