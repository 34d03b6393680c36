"""Seed files: JSON and YAML load the same state, a bad file names itself and the field, a file is parsed once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from bland_sms_mock.contracts.models.control import STREAMED_SNAPSHOT, Snapshot, StoredAccount, StoredConversation
from bland_sms_mock.contracts.scenarios.seeds import busy_account, write_seed
from bland_sms_mock.mock_server import snapshot as snapshot_module
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.bland_mock import BlandMock, MockError
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.serving import build_app
from bland_sms_mock.mock_server.snapshot import export_state, read_file, seed, seed_file

SETTINGS = {"time_out": 600, "timeout_message": "bye", "warning_time": 60, "temperature": 1, "tools": [{"a": 1}]}
SEED: dict[str, Any] = {
    "accounts": [
        {
            "name": "acme",
            "api_key": "sk-acme",
            "agent_numbers": [{"number": "+15552220009", "sms_config": SETTINGS}, {"number": "+15552220010"}],
        }
    ],
    "conversations": [
        {
            "account": "acme",
            "id": "convo_one",
            "user_number": "+15553330001",
            "agent_number": "+15552220009",
            "variables": {"tier": "gold", "nested": {"n": [1, 2.5, None, True]}},
            "metadata": {"source": "seed"},
            "messages": [
                {"id": "msg_2", "sender": "AGENT", "message": "Hello", "created_at": "2099-01-05T09:00:30.000Z"},
                {"id": "msg_1", "message": "Hi", "created_at": "2099-01-05T10:00:00+01:00"},
            ],
        },
        {
            "account": "sk-acme",
            "id": "convo_two",
            "user_number": "+15553330002",
            "agent_number": "+15552220010",
            "is_active": False,
            "timed_out_at": "2099-01-05T12:00:00.000Z",
            "messages": [{"id": "msg_3", "message": "Bye", "created_at": "2099-01-05T11:00:00.000Z"}],
        },
    ],
}


def _state(path: Path) -> dict[str, Any]:
    mock = BlandMock(seeds=[path])
    state = export_state(mock.store)
    del state["clock"]
    return state


def test_a_json_and_a_yaml_seed_of_the_same_content_give_the_same_state(tmp_path: Path) -> None:
    as_json, as_yaml = tmp_path / "seed.json", tmp_path / "seed.yaml"
    as_json.write_text(json.dumps(SEED), encoding="utf-8")
    as_yaml.write_text(yaml.safe_dump(SEED, sort_keys=False), encoding="utf-8")
    state = _state(as_json)
    assert state == _state(as_yaml)
    one = next(c for c in state["conversations"] if c["id"] == "convo_one")
    assert [m["id"] for m in one["messages"]] == ["msg_1", "msg_2"]  # 09:00 UTC before 09:00:30
    assert one["warning_due"] == "2099-01-05T09:01:30.000Z" and one["variables"]["nested"] == {
        "n": [1, 2.5, None, True]
    }


def test_the_generated_busy_seed_loads_the_same_from_json_and_yaml(tmp_path: Path) -> None:
    write_seed(tmp_path / "busy.json", 300, seed=5, messages=3)
    write_seed(tmp_path / "busy.yaml", 300, seed=5, messages=3)
    assert json.loads((tmp_path / "busy.json").read_text()) == busy_account(300, seed=5, messages=3)
    strip = [{k: v for k, v in c.items() if k != "id"} for c in _state(tmp_path / "busy.json")["conversations"]]
    for conversation in strip:
        assert len(conversation["messages"]) == 3
        for message in conversation["messages"]:
            message.pop("id")
    other = [{k: v for k, v in c.items() if k != "id"} for c in _state(tmp_path / "busy.yaml")["conversations"]]
    for conversation in other:
        for message in conversation["messages"]:
            message.pop("id")
    assert strip == other and len(strip) == 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"conversations": [', "seed.json: Invalid JSON: EOF while parsing"),
        (
            json.dumps({"conversations": [{"user_number": "+1555", "agent_number": "+15552223333", "messages": []}]}),
            "seed.json: conversations[0].user_number: must be a possible E.164",
        ),
        (
            json.dumps({"conversations": [{**SEED["conversations"][1], "messages": [{"message": "x"}]}]}),
            "seed.json: conversations[0].messages[0].created_at: is required",
        ),
        (json.dumps({"conversations": [], "surprise": 1}), "seed.json: surprise: "),
    ],
)
def test_a_bad_json_seed_names_the_file_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="^" + str(tmp_path).replace("\\", "\\\\")) as raised:
        read_file(path)
    assert expected in str(raised.value)
    with pytest.raises(MockError, match=r"seed\.json: "):
        BlandMock(seeds=[path])


def test_a_missing_seed_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"nothing\.json: No such file"):
        read_file(tmp_path / "nothing.json")


def test_a_seed_file_is_parsed_once_when_serve_builds_the_app(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED), encoding="utf-8")
    reads = _count_reads(monkeypatch)
    app = build_app({"control": True, "seeds": [str(path)]})
    assert reads == [str(path)]
    assert len(app.extensions[EXTENSION].conversations) == 2


def test_the_fixtures_parse_a_seed_once_for_many_mocks(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(SEED), encoding="utf-8")
    reads = _count_reads(monkeypatch)
    first, second = BlandMock(seeds=[path]), BlandMock(seeds=[path])
    second.reset()
    assert second.seed(path) == 2
    assert reads == [str(path)]
    assert first.messages("convo_one") == second.messages("convo_one")
    first.store.conversations["convo_one"].variables["tier"] = "silver"
    first.store.delete_messages(first.store.find_account("acme"), "convo_one", ["msg_1"])
    kept = second.conversation("convo_one")  # mocks seeded from one parse share no state
    assert kept["variables"]["tier"] == "gold" and [m["id"] for m in second.messages("convo_one")] == ["msg_1", "msg_2"]

    path.write_text(json.dumps({**SEED, "conversations": SEED["conversations"][:1]}), encoding="utf-8")
    assert BlandMock(seeds=[path]).store.conversations.keys() == {"convo_one"}  # a changed file is read again
    assert reads == [str(path), str(path)]


def _count_reads(monkeypatch) -> list[str]:
    reads: list[str] = []
    original_read = snapshot_module.read_document

    def read_document(path: Any) -> Any:
        reads.append(str(path))
        return original_read(path)

    def read_bytes(self: Path) -> bytes:
        reads.append(str(self))
        return Path.read_text(self, encoding="utf-8").encode()

    monkeypatch.setattr(snapshot_module, "read_document", read_document)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return reads


def _many(count: int) -> dict[str, Any]:
    """`SEED`'s account with `count` conversations of one message, each with its own user number and id."""
    template = SEED["conversations"][1]
    conversations = [
        {**template, "id": f"convo_{i}", "user_number": f"+1555333{i:04d}", "is_active": True} for i in range(count)
    ]
    for conversation in conversations:
        del conversation["timed_out_at"]
    return {"accounts": SEED["accounts"], "conversations": conversations}


class _Collected:
    def __init__(self) -> None:
        self.parts: list[Any] = []

    def accounts(self, accounts: list[StoredAccount]) -> None:
        self.parts.append([a.name for a in accounts])

    def conversation(self, conversation: StoredConversation) -> None:
        self.parts.append(conversation.id)


def test_a_streamed_snapshot_hands_over_the_accounts_then_each_conversation_and_keeps_none() -> None:
    text = json.dumps({"conversations": SEED["conversations"], "accounts": SEED["accounts"]})  # accounts last
    sink = _Collected()
    streamed = Snapshot.model_validate_json(text, context={STREAMED_SNAPSHOT: sink})
    assert sink.parts == [["acme"], "convo_one", "convo_two"]
    assert streamed.conversations == [] and streamed.accounts[0].name == "acme"
    assert [c.id for c in Snapshot.model_validate_json(text).conversations] == ["convo_one", "convo_two"]


def test_a_seed_file_loads_as_the_same_document_seeded_at_once(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text(
        json.dumps({"conversations": SEED["conversations"], "accounts": SEED["accounts"]}), encoding="utf-8"
    )
    streamed, at_once = create_app().extensions[EXTENSION], create_app().extensions[EXTENSION]
    assert seed_file(streamed, path) == 2 and seed(at_once, read_file(path)) == 2
    state, expected = export_state(streamed), export_state(at_once)
    del state["clock"], expected["clock"]
    assert state == expected and [c["id"] for c in state["conversations"]] == ["convo_one", "convo_two"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"account": "nobody"}, "conversations[30].account: no account 'nobody'"),
        ({"agent_number": "+15552220099"}, "conversations[30].agent_number: +15552220099 is not a number of acme"),
        ({"id": "convo_3"}, "conversations[30].id: convo_3 is used twice"),
        ({"user_number": "+15553330003"}, "conversations[30].is_active: +15553330003 and +15552220010 already have"),
    ],
)
def test_an_inconsistency_in_the_middle_of_a_seed_file_is_named_and_nothing_is_added(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    document = _many(60)
    document["accounts"] = [*document["accounts"], {"name": "late", "api_key": "sk-late"}]
    document["conversations"][30].update(change)
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    store = create_app().extensions[EXTENSION]
    before = export_state(store)
    with pytest.raises(ValueError, match=r"seed\.json: ") as raised:
        seed_file(store, path)
    assert expected in str(raised.value)
    assert export_state(store)["accounts"] == before["accounts"] and not store.conversations


def test_a_field_error_after_an_inconsistency_is_what_a_seed_file_reports(tmp_path: Path) -> None:
    document = _many(60)
    document["conversations"][10]["account"] = "nobody"  # inconsistent, but every field is valid
    del document["conversations"][40]["messages"][0]["created_at"]
    document["conversations"][50]["user_number"] = "+1555"
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    store = create_app().extensions[EXTENSION]
    with pytest.raises(ValueError) as raised:
        seed_file(store, path)
    message = str(raised.value)
    assert "conversations[40].messages[0].created_at: is required" in message
    assert "conversations[50].user_number: must be a possible E.164" in message
    assert "nobody" not in message and not store.conversations
