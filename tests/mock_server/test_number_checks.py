"""A seed's phone numbers judged in a helper process: the same verdicts, the same errors, nothing left running."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from bland_sms_mock.contracts.scenarios.seeds import write_seed
from bland_sms_mock.mock_server import number_checks
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.number_checks import NumberChecks
from bland_sms_mock.mock_server.request_io import EXTENSION
from bland_sms_mock.mock_server.snapshot import export_state, read_file, seed_file

CONVERSATIONS = 40
BAD_AT = 29


@pytest.fixture
def judged_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Helper chunks of 4 numbers (so a 40-conversation seed starts the helper); the numbers judged in this process."""
    monkeypatch.setattr(number_checks, "CHUNK", 4)
    here: list[str] = []
    original = number_checks.is_phone_number

    def is_phone_number(number: str, strict: bool = False) -> bool:
        here.append(number)
        return original(number, strict)

    monkeypatch.setattr(number_checks, "is_phone_number", is_phone_number)
    return here


def _seed(tmp_path: Path, bad_at: int | None = None, **extra: Any) -> Path:
    path = tmp_path / "seed.json"
    write_seed(path, CONVERSATIONS, seed=3, messages=3)
    document = json.loads(path.read_text(encoding="utf-8"))
    if bad_at is not None:
        document["conversations"][bad_at]["user_number"] = "+1555"  # E.164 in form, too short to be possible
    document["conversations"][0].update(extra)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _loaded(path: Path) -> dict[str, Any]:
    store = create_app().extensions[EXTENSION]
    assert seed_file(store, path) == CONVERSATIONS
    state = export_state(store)
    del state["clock"]
    for conversation in state["conversations"]:
        del conversation["id"]
    return state


def test_the_helper_judges_the_numbers_and_the_seed_loads_as_when_judged_here(
    tmp_path: Path, judged_here: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _seed(tmp_path)
    with_helper = _loaded(path)
    assert judged_here == []  # every number went to the helper process
    monkeypatch.setattr(number_checks, "CHUNK", 10_000)
    assert _loaded(path) == with_helper
    assert len(judged_here) == CONVERSATIONS + 3  # the user numbers and the three agent numbers


def test_a_bad_number_judged_by_the_helper_is_named_with_the_file_and_nothing_is_loaded(
    tmp_path: Path, judged_here: list[str]
) -> None:
    path = _seed(tmp_path, BAD_AT)
    store = create_app().extensions[EXTENSION]
    with pytest.raises(ValueError, match=r"seed\.json: ") as raised:
        seed_file(store, path)
    assert str(raised.value) == (
        f"{path}: conversations[{BAD_AT}].user_number: must be a possible E.164 phone number such as +15550001111"
    )
    assert judged_here == [] and store.conversations == {}
    with pytest.raises(ValueError, match=rf"conversations\[{BAD_AT}\]\.user_number: must be a possible"):
        read_file(path)


def test_a_bad_number_is_named_beside_the_other_problems_of_the_file(tmp_path: Path, judged_here: list[str]) -> None:
    path = _seed(tmp_path, BAD_AT, created_at="yesterday")
    with pytest.raises(ValueError) as raised:
        read_file(path)
    problems = str(raised.value).removeprefix(f"{path}: ").split("; ")
    assert [p.split(":")[0] for p in problems] == [
        "conversations[0].created_at",
        f"conversations[{BAD_AT}].user_number",
    ]


def test_a_bad_number_is_told_before_what_the_build_finds(tmp_path: Path, judged_here: list[str]) -> None:
    path = _seed(tmp_path, BAD_AT, account="nobody")
    with pytest.raises(ValueError, match=rf"conversations\[{BAD_AT}\]\.user_number: must be a possible"):
        seed_file(create_app().extensions[EXTENSION], path)


def test_a_helper_that_cannot_answer_leaves_the_numbers_to_this_process(
    tmp_path: Path, judged_here: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def start_a_helper_that_dies(self: NumberChecks) -> subprocess.Popen[bytes]:
        self._helper = subprocess.Popen(
            [number_checks.sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        return self._helper

    monkeypatch.setattr(NumberChecks, "_start", start_a_helper_that_dies)
    with pytest.raises(ValueError, match=rf"conversations\[{BAD_AT}\]\.user_number: must be a possible"):
        read_file(_seed(tmp_path, BAD_AT))
    assert "+1555" in judged_here and len(set(judged_here)) == CONVERSATIONS + 3


def test_the_helper_ends_when_its_sender_goes_away_mid_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(number_checks, "CHUNK", 2)
    checks = NumberChecks()
    for number in ("+15553330001", "+15553330002", "+15553330003"):
        assert checks.verdict(number, False)
    helper = checks._helper
    assert helper is not None and helper.poll() is None and helper.stdin is not None
    helper.stdin.close()  # as when `serve` ends with os._exit: the input ends without the end marker
    deadline = time.monotonic() + 10
    while helper.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert helper.returncode == 0
    assert helper.stdout is not None and helper.stdout.read() == b""  # it answered nobody
    checks.close()
