"""`bland-sms-mock replay` and `bland-sms-mock record`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
import yaml

from contracts.client import Client, ControlError, TargetUnreachable
from contracts.scenarios.loader import ScenarioFileError, expand, load
from contracts.scenarios.record import scenario_from_journal
from contracts.scenarios.report import print_scenario, print_summary, write_json, write_replay_junit
from contracts.scenarios.runner import Outcome, Target, run_scenario

EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@contextmanager
def _target(base_url: str | None, api_key: str | None, token: str | None, timeout: float) -> Iterator[Target]:
    """The target to replay against: the given URL, or a fresh in-process mock on a free loopback port."""
    if base_url is None:
        from mock_server.handle import BlandMock

        with BlandMock() as mock:
            mock.start()
            with Client(mock.url, api_key or mock.api_key, timeout=timeout) as client:
                yield Target(client, True, api_key or mock.api_key, f"the in-process mock at {mock.url}")
        return
    with Client(base_url, api_key, control_token=token, timeout=timeout) as client:
        try:
            control = client.health() is not None
        except TargetUnreachable as exc:
            _fail(str(exc))
        except ControlError as exc:
            _fail(f"{base_url}: {exc}")
        yield Target(client, control, api_key, base_url)


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
def replay(
    paths: tuple[str, ...],
    base_url: str | None,
    api_key: str | None,
    control_token: str | None,
    junit_xml: str | None,
    json_path: str | None,
    verbose: bool,
    timeout: float,
) -> None:
    """Replay QA scenario files (or directories of them) and report step by step.

    Exit 0 when every scenario passes (or is skipped with its reason), 1 when one fails, 2 on a usage
    error or a malformed scenario file (nothing is sent then).
    """
    try:
        files = [load(path) for path in expand(list(paths))]
    except ScenarioFileError as exc:
        _fail(str(exc))
    if base_url and not api_key and any(not f.scenario.setup.accounts for f in files):
        click.echo("Note: no --api-key given; steps of scenarios without setup accounts send no key.", err=True)
    results = []
    with _target(base_url, api_key, control_token, timeout) as target:
        if not target.control:
            click.echo(f"{base_url} has no control API: setup, clock and state steps will be skipped.", err=True)
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
    if any(r.outcome in (Outcome.FAILED, Outcome.ERROR) for r in results):
        sys.exit(EXIT_FAILED)


@click.command()
@click.option("--base-url", required=True, help="The mock whose journal to record (bland-sms-mock serve).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, allow_dash=True), help="File, or -.")
@click.option("--control-token", envvar="BLAND_SMS_MOCK_CONTROL_TOKEN", help="The mock's control token, if any.")
@click.option("--name", help="The scenario's name (default: 'Recorded session <date>').")
@click.option("--keep-time", is_flag=True, help="Set the clock where the journal starts and advance it between steps.")
def record(base_url: str, out_path: str, control_token: str | None, name: str | None, keep_time: bool) -> None:
    """Turn a running mock's request journal into a scenario skeleton (fixtures/scenarios format)."""
    with Client(base_url, control_token=control_token) as client:
        try:
            if client.health() is None:
                _fail(f"{base_url} is not a bland-sms-mock with its control API (GET /_mock/health)")
            entries = client.journal()
            accounts = client.snapshot().get("accounts", [])
        except TargetUnreachable as exc:
            _fail(str(exc))
        except ControlError as exc:
            _fail(f"{base_url}: {exc}")
    title = name or f"Recorded session {datetime.now(UTC):%Y-%m-%d %H:%M}"
    document = scenario_from_journal(entries, accounts, name=title, source=base_url, keep_time=keep_time)
    text = "# yaml-language-server: $schema=../scenario.schema.json\n" + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=110
    )
    if out_path == "-":
        click.echo(text, nl=False)
        return
    Path(out_path).write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out_path}: {len(document['steps'])} steps from {len(entries)} journal entries.", err=True)
