"""`bland-sms-mock replay` and `bland-sms-mock record`."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml
from bland_sms_mock.contracts.client import LIST_PATH, Client, ControlError, TargetUnreachable
from bland_sms_mock.contracts.models.api import format_timestamp, timestamp_ms
from bland_sms_mock.contracts.scenarios.loader import ScenarioFileError, expand, load
from bland_sms_mock.contracts.scenarios.record import NothingToRecord, scenario_from_journal
from bland_sms_mock.contracts.scenarios.report import (
    counted,
    print_scenario,
    print_summary,
    write_json,
    write_replay_junit,
)
from bland_sms_mock.contracts.scenarios.runner import Outcome, Target, run_outcome, run_scenario
from bland_sms_mock.contracts.scenarios.webhooks import read_log

EXIT_FAILED = 1
"""replay: a step failed or errored, or the target could not be put back; record: nothing to record."""
EXIT_USAGE = 2
"""A usage error, a malformed scenario, a target that cannot be reached or does not serve the API."""
EXIT_NOTHING_RAN = 3
"""replay: every step was skipped, so nothing was checked."""

LocalMock = Callable[[], AbstractContextManager[tuple[str, str]]]
"""Starts a fresh mock on a free loopback port and yields its base URL and API key (the public package
passes one in: the scenarios never import the mock)."""


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@contextmanager
def _target(
    base_url: str | None, api_key: str | None, token: str | None, timeout: float, local_mock: LocalMock
) -> Iterator[Target]:
    """The target to replay against: the given URL, or a fresh in-process mock on a free loopback port."""
    if base_url is None:
        with local_mock() as (url, mock_key), Client(url, api_key or mock_key, timeout=timeout) as client:
            yield Target(client, True, api_key or mock_key, f"the in-process mock at {url}")
        return
    with Client(base_url, api_key, control_token=token, timeout=timeout) as client:
        try:
            control = client.health() is not None
            if not control:
                _probe(client, base_url)
        except TargetUnreachable as exc:
            _fail(str(exc))
        except ControlError as exc:
            _fail(f"{base_url}: {exc}")
        yield Target(client, control, api_key, base_url)


def _probe(client: Client, base_url: str) -> None:
    """Make sure a target without the control API serves the API at all (one `GET ...?pageSize=1`)."""
    answer = client.list({"pageSize": 1})
    if answer.status in (404, 405):
        hint = " (leave out the trailing /v1: the paths start with it)" if base_url.rstrip("/").endswith("/v1") else ""
        _fail(f"{base_url} does not serve Bland's SMS API: GET {LIST_PATH} answered {answer.status}{hint}")


@contextmanager
def _left_as_found(target: Target, reset_target: bool) -> Iterator[list[str]]:
    """Around a replay on someone's mock: save its state first and put it back after (or, with
    `reset_target`, say that it is left as the replay leaves it). Yields the list of problems putting it back."""
    problems: list[str] = []
    url = target.label
    if reset_target:
        yield problems
        click.echo(f"{url} is left as the last scenario left it (--reset-target).", err=True)
        return
    asked = time.monotonic()
    try:
        saved = target.client.snapshot()
    except (ControlError, TargetUnreachable) as exc:
        _fail(
            f"cannot save the state of {url} ({exc}), so the replay could not put it back afterwards; "
            "--reset-target replays anyway, resetting it for each scenario and leaving it as the last one leaves it"
        )
    click.echo(f"Saved the state of {url} ({_state_line(saved)}); it is put back after the replay.", err=True)
    taken = (asked + time.monotonic()) / 2  # the mock read its clock about halfway through the request
    _note_faults(target)
    try:
        yield problems
    finally:
        clock = saved.get("clock") or {}
        if clock.get("now") and not clock.get("frozen"):
            elapsed_ms = round((time.monotonic() - taken) * 1000)
            clock["now"] = format_timestamp(timestamp_ms(clock["now"]) + elapsed_ms)
        try:
            target.client.control("PUT", "snapshot", saved)
            click.echo(f"Put {url} back as it was ({_state_line(saved)}).", err=True)
        except (ControlError, TargetUnreachable) as exc:
            kept = Path(tempfile.mkstemp(prefix="bland-sms-mock-state-", suffix=".json")[1])
            kept.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
            token = " -H 'x-mock-token: $BLAND_SMS_MOCK_CONTROL_TOKEN'" if target.client.control_token else ""
            problems.append(
                f"could not put {url} back as it was ({exc}); its state before the replay is in {kept}: curl -X PUT"
                f" -H 'content-type: application/json'{token} --data-binary @{kept} {url}/_mock/snapshot"
            )
            click.echo(f"Error: {problems[-1]}", err=True)


def _state_line(snapshot: dict[str, Any]) -> str:
    clock = snapshot.get("clock") or {}
    runs = "frozen" if clock.get("frozen") else "running"
    accounts, conversations = len(snapshot.get("accounts", [])), len(snapshot.get("conversations", []))
    return f"{counted(accounts, 'account')}, {counted(conversations, 'conversation')}, clock {clock.get('now')} {runs}"


def _note_faults(target: Target) -> None:
    try:
        listing = target.client.control("GET", "faults")
    except (ControlError, TargetUnreachable):
        return
    rules = listing.get("faults") if isinstance(listing, dict) else None
    if rules:
        click.echo(
            f"Note: {target.label} has {counted(len(rules), 'fault rule')}; the reset before each scenario drops"
            " them (and the journal), and a snapshot does not hold them, so they are not put back.",
            err=True,
        )


def make_replay(local_mock: LocalMock) -> click.Command:
    """The `replay` command; without --base-url it replays against a mock `local_mock` starts."""

    @click.command()
    @click.argument("paths", nargs=-1, required=True, type=click.Path())
    @click.option("--base-url", help="Target to replay against (default: a fresh in-process mock).")
    @click.option("--api-key", envvar="BLAND_API_KEY", help="Default API key of the steps (env BLAND_API_KEY).")
    @click.option(
        "--control-token", envvar="BLAND_SMS_MOCK_CONTROL_TOKEN", help="The target mock's control token, if it has one."
    )
    @click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write a JUnit XML report here.")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write a JSON report here.")
    @click.option("-v", "--verbose", is_flag=True, help="Show every check and description, not only failures.")
    @click.option(
        "--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 300), help="Seconds per request."
    )
    @click.option(
        "--reset-target",
        is_flag=True,
        help="On a --base-url mock: do not put its state back after the replay; leave it as the last scenario"
        " leaves it.",
    )
    def replay(
        paths: tuple[str, ...],
        base_url: str | None,
        api_key: str | None,
        control_token: str | None,
        junit_xml: str | None,
        json_path: str | None,
        verbose: bool,
        timeout: float,
        reset_target: bool,
    ) -> None:
        """Replay QA scenario files (or directories of them) and report step by step.

        A mock given by --base-url is reset for each scenario, and put back as it was at the end (its
        conversations, accounts and clock) unless --reset-target. Exit 0 when every step that ran passed, 1
        when one failed (or the mock could not be put back), 2 on a usage error, a malformed scenario file
        (nothing is sent then) or a target that cannot be reached or does not serve the API, 3 when nothing
        ran (every step skipped).
        """
        try:
            files = [load(path) for path in expand(list(paths))]
        except ScenarioFileError as exc:
            _fail(str(exc))
        if base_url and not api_key and any(not f.scenario.setup.accounts for f in files):
            click.echo("Note: no --api-key given; steps of scenarios without setup accounts send no key.", err=True)
        results = []
        with _target(base_url, api_key, control_token, timeout, local_mock) as target:
            if not target.control:
                click.echo(
                    f"{base_url} has no control API: setups, clock moves, conversation-state and webhook checks cannot"
                    " run, nor can it be reset; the steps that depend on them are skipped, each with the reason.",
                    err=True,
                )
            guard = _left_as_found(target, reset_target) if base_url and target.control else _nothing_to_guard()
            with guard as problems:
                for loaded in files:
                    result = run_scenario(loaded, target)
                    results.append(result)
                    print_scenario(result, click.echo, verbose=verbose)
            label = target.label
        print_summary(results, click.echo)
        if junit_xml:
            write_replay_junit(junit_xml, results)
        if json_path:
            write_json(json_path, results, label)
        outcome = run_outcome(results)
        if outcome is Outcome.FAILED or problems:
            sys.exit(EXIT_FAILED)
        if outcome is Outcome.SKIPPED:
            sys.exit(EXIT_NOTHING_RAN)

    return replay


@contextmanager
def _nothing_to_guard() -> Iterator[list[str]]:
    yield []


@click.command()
@click.option("--base-url", required=True, help="The mock whose journal to record (bland-sms-mock serve).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, allow_dash=True), help="File, or -.")
@click.option("--control-token", envvar="BLAND_SMS_MOCK_CONTROL_TOKEN", help="The mock's control token, if any.")
@click.option("--name", help="The scenario's name (default: 'Recorded session <date>').")
@click.option("--keep-time", is_flag=True, help="Set the clock where the journal starts and advance it between steps.")
def record(base_url: str, out_path: str, control_token: str | None, name: str | None, keep_time: bool) -> None:
    """Turn a running mock's request journal into a scenario skeleton (fixtures/scenarios format).

    Exit 0 when written, 1 when the journal holds no /v1 request to record (no file is written), 2 on a
    usage error, a mock that cannot be reached, or a file that cannot be written.
    """
    with Client(base_url, control_token=control_token) as client:
        try:
            if client.health() is None:
                _fail(f"{base_url} is not a bland-sms-mock with its control API (GET /_mock/health)")
            entries = client.journal()
            accounts = client.snapshot().get("accounts", [])
            deliveries = read_log(client, None)
        except TargetUnreachable as exc:
            _fail(str(exc))
        except ControlError as exc:
            _fail(f"{base_url}: {exc}")
    title = name or f"Recorded session {datetime.now(UTC):%Y-%m-%d %H:%M}"
    notes: list[str] = []
    try:
        document = scenario_from_journal(
            entries, accounts, name=title, source=base_url, keep_time=keep_time, notes=notes, deliveries=deliveries
        )
    except NothingToRecord as exc:
        click.echo(f"Error: {exc}; no file written.", err=True)
        sys.exit(EXIT_FAILED)
    text = "# yaml-language-server: $schema=../scenario.schema.json\n" + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=110
    )
    if out_path == "-":
        click.echo(text, nl=False)
        for note in notes:
            click.echo(f"Note: {note}", err=True)
        return
    try:
        Path(out_path).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out_path}: {exc.strerror or exc}")
    steps, journalled = (
        counted(len(document["steps"]), "step"),
        counted(len(entries), "journal entry", "journal entries"),
    )
    click.echo(f"Wrote {out_path}: {steps} from {journalled}.", err=True)
    for note in notes:
        click.echo(f"Note: {note}", err=True)
