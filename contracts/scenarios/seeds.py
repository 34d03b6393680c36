"""Seed files: read one, and generate the busy account deterministically.

`python -m bland_sms_mock.contracts.scenarios.seeds --out fixtures/seeds/busy_account.yaml` writes the shipped busy seed
(5,000 conversations); the same arguments always give the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from bland_sms_mock.contracts.models.api import format_timestamp, to_epoch_ms
from bland_sms_mock.contracts.yamltext import read_document

FAST_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

BUSY_API_KEY = "sk-busy-account"
BUSY_NUMBERS = ("+15552220001", "+15552220002", "+15552220003")
BUSY_START = datetime(2025, 12, 1, tzinfo=UTC)
CAMPAIGNS = ("spring", "summer", "fall", "winter")
TIERS = ("gold", "silver", "bronze")
PATHWAYS = ("pw_intake", "pw_billing", "pw_support", None)
NODES = ("greeting", "collect_details", "confirm", "handoff")
USER_LINES = (
    "Hi, is my order on its way?",
    "Can I move my appointment to Friday?",
    "What are your opening hours?",
    "Please call me back.",
    "Thanks, that helps!",
    "STOP",
)
AGENT_LINES = (
    "Happy to help! Could you share your order number?",
    "Friday at 10:00 works. Shall I book it?",
    "We're open 9 to 5, Monday to Saturday.",
    "A colleague will call you within the hour.",
)


def read_seed(path: str | Path) -> dict[str, Any]:
    """Read a seed file (YAML or JSON).

    Raises:
        ValueError: unreadable, malformed, or not a mapping; names the file.
    """
    data = read_document(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed is a mapping with accounts and conversations")
    return data


def busy_account(conversations: int = 5000, seed: int = 2026, messages: int | None = None) -> dict[str, Any]:
    """A seed of one busy account: `conversations` conversations over December 2025, from a fixed seed.

    Active conversations end with a USER message, so loading the seed starts no timers; archived ones end
    with an agent's message or a timeout, with `timed_out_at` where they timed out. Each conversation has 1
    to 7 messages, or exactly `messages` when given (3 or more).
    """
    return {"accounts": BUSY_ACCOUNTS, "conversations": list(busy_conversations(conversations, seed, messages))}


BUSY_ACCOUNTS: list[dict[str, Any]] = [
    {
        "name": "busy",
        "api_key": BUSY_API_KEY,
        "agent_numbers": [
            {"number": BUSY_NUMBERS[0], "sms_config": {"time_out": 3600, "timeout_message": "Closing."}},
            {"number": BUSY_NUMBERS[1]},
            {"number": BUSY_NUMBERS[2]},
        ],
    }
]
"""The busy seed's one account."""


def busy_conversations(conversations: int, seed: int = 2026, messages: int | None = None) -> Iterator[dict[str, Any]]:
    """The busy account's conversations one by one (see `busy_account`), so a big seed is written as it is made."""
    if messages is not None and messages < 3:
        raise ValueError("messages: at least 3 (a USER message, the agent's answer, and the last message)")
    rng = random.Random(seed)
    for index in range(conversations):
        user = f"+1555300{index:04d}" if index < 10_000 else f"+1556{index:07d}"
        agent = BUSY_NUMBERS[index % len(BUSY_NUMBERS)]
        start = BUSY_START + timedelta(seconds=index * 517 + rng.randrange(0, 500))
        state = rng.choices(("active", "archived", "timed_out"), weights=(6, 3, 1))[0]
        history = _history(rng, start, state) if messages is None else _fixed_history(rng, start, state, messages)
        pathway = rng.choice(PATHWAYS)
        conversation: dict[str, Any] = {
            "account": "busy",
            "user_number": user,
            "agent_number": agent,
            "variables": {"campaign": rng.choice(CAMPAIGNS), "tier": rng.choice(TIERS), "customer": index},
            "curr_pathway_id": pathway,
            "curr_pathway_version": rng.choice(("latest", "v1.0", "v2.1")) if pathway else None,
            "current_node_id": rng.choice(NODES) if pathway else None,
            "is_active": state == "active",
            "messages": history,
        }
        if state == "timed_out":
            conversation["timed_out_at"] = history[-1]["created_at"]
        yield {k: v for k, v in conversation.items() if v is not None}


def _history(rng: random.Random, start: datetime, state: str) -> list[dict[str, Any]]:
    turns = rng.randint(1, 4)
    messages = []
    moment = start
    for turn in range(turns):
        messages.append(_message("USER", rng.choice(USER_LINES), moment))
        moment += timedelta(seconds=rng.randint(5, 90))
        if turn < turns - 1 or state != "active":
            messages.append(_message("AGENT", rng.choice(AGENT_LINES), moment))
            moment += timedelta(seconds=rng.randint(30, 600))
    if state == "timed_out":
        moment = datetime.fromisoformat(messages[-1]["created_at"].replace("Z", "+00:00")) + timedelta(hours=1)
        messages.append({**_message("AGENT", "Closing.", moment), "kind": "timeout"})
    return messages


def _fixed_history(rng: random.Random, start: datetime, state: str, count: int) -> list[dict[str, Any]]:
    """`count` messages, USER and AGENT in turn from the USER's; a timed-out conversation ends with its timeout."""
    messages = []
    moment = start
    for index in range(count - 1 if state == "timed_out" else count):
        sender, lines = ("USER", USER_LINES) if index % 2 == 0 else ("AGENT", AGENT_LINES)
        messages.append(_message(sender, rng.choice(lines), moment))
        moment += timedelta(seconds=rng.randint(5, 600))
    if state == "timed_out":
        messages.append({**_message("AGENT", "Closing.", moment + timedelta(hours=1)), "kind": "timeout"})
    return messages


def _message(sender: str, text: str, moment: datetime) -> dict[str, Any]:
    return {"sender": sender, "message": text, "created_at": format_timestamp(to_epoch_ms(moment))}


def write_seed(path: str | Path, conversations: int, seed: int = 2026, messages: int | None = None) -> None:
    """Write the busy seed to `path`: JSON when it ends in `.json` (streamed, for big seeds), else YAML."""
    header = (
        "Generated by `python -m bland_sms_mock.contracts.scenarios.seeds"
        f" --conversations {conversations} --seed {seed}"
        + (f" --messages {messages}" if messages is not None else "")
        + "`; do not edit by hand."
    )
    if str(path).endswith(".json"):
        with open(path, "w", encoding="utf-8") as out:
            out.write('{"accounts": ' + json.dumps(BUSY_ACCOUNTS) + ',\n "conversations": [\n')
            for index, conversation in enumerate(busy_conversations(conversations, seed, messages)):
                out.write(("" if index == 0 else ",\n") + json.dumps(conversation, ensure_ascii=False))
            out.write("\n]}\n")
        return
    document = busy_account(conversations, seed, messages)
    body = yaml.dump(document, Dumper=FAST_YAML_DUMPER, sort_keys=False, allow_unicode=True, width=120)
    Path(path).write_text(f"# {header}\n" + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Write the busy account's seed file (YAML, or JSON when `--out` ends in `.json`)."""
    parser = argparse.ArgumentParser(description="Generate the busy account's seed (deterministic).")
    parser.add_argument("--out", default="fixtures/seeds/busy_account.yaml", help="File to write (.yaml or .json).")
    parser.add_argument("--conversations", type=int, default=5000, help="How many conversations.")
    parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
    parser.add_argument("--messages", type=int, help="Messages per conversation (3 or more; default: 1 to 7).")
    args = parser.parse_args(argv)
    write_seed(args.out, args.conversations, args.seed, args.messages)
    print(f"wrote {args.out}: {args.conversations} conversations")


if __name__ == "__main__":
    main()
