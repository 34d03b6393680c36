"""`bland-sms-mock check`: judge any implementation of the contract; exit 0, 1 (violation) or 2 (usage)."""

from __future__ import annotations

import sys

import click
from bland_sms_mock.contracts.models.api import Level


def _list(ctx: click.Context, value: bool) -> None:
    if not value:
        return
    from bland_sms_mock.contracts.kit.selection import load_all

    for spec in load_all().values():
        click.echo(f"{spec.name:<34} [{spec.level.value:<10}] {spec.description}")
    ctx.exit(0)


@click.command()
@click.option("--base-url", required=True, help="The target: a deployment of the API, or a bland-sms-mock.")
@click.option("--api-key", envvar="BLAND_API_KEY", help="API key (env BLAND_API_KEY); a mock needs none.")
@click.option("--agent-number", help="An agent number of that key's account; a mock needs none.")
@click.option("--second-api-key", help="A second account's key: enables isolation checks on a real target.")
@click.option("--second-agent-number", help="An agent number of the second account.")
@click.option(
    "--level",
    type=click.Choice([lv.value for lv in Level]),
    default=Level.INFERRED.value,
    show_default=True,
    help="Strictest rule level that fails the run; differences below it are info.",
)
@click.option(
    "--read-only", is_flag=True, help="Run only checks that create nothing: no create, send, PATCH or DELETE."
)
@click.option(
    "--allow-number-updates",
    is_flag=True,
    help="Let numbers.update change the agent number's sms_config (it puts the previous settings back).",
)
@click.option(
    "--max-creates",
    type=click.IntRange(0),
    help="Cap on accepted creates and sends (default: 200 on a target that is not a mock).",
)
@click.option(
    "--max-examples",
    type=click.IntRange(1, 10_000),
    default=50,
    show_default=True,
    help="Generated examples per Hypothesis/Schemathesis suite.",
)
@click.option("--seed", type=int, help="Seed of the generated suites (default: a fixed derandomized run).")
@click.option(
    "--timeout-checks",
    type=click.Choice(["real", "skip"]),
    default="real",
    show_default=True,
    help="real: check timeouts (a mock's clock, else real seconds with short overrides); skip: don't.",
)
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write JUnit XML here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write a JSON report here.")
@click.option("--control-token", envvar="BLAND_SMS_MOCK_CONTROL_TOKEN", help="A guarded mock's control token.")
@click.option(
    "--request-timeout",
    type=click.FloatRange(0.5, 300),
    default=10.0,
    show_default=True,
    help="Seconds before a request counts as unanswered.",
)
@click.option(
    "--only",
    multiple=True,
    help="Run only the checks whose name starts with this (repeatable), e.g. list.filter; one that matches none is "
    "a usage error.",
)
@click.option(
    "--list-checks",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=lambda ctx, _p, v: _list(ctx, v),
    help="List every check with its level and exit.",
)
def check(
    base_url: str,
    api_key: str | None,
    agent_number: str | None,
    second_api_key: str | None,
    second_agent_number: str | None,
    level: str,
    read_only: bool,
    allow_number_updates: bool,
    max_creates: int | None,
    max_examples: int,
    seed: int | None,
    timeout_checks: str,
    junit_xml: str | None,
    json_path: str | None,
    control_token: str | None,
    request_timeout: float,
    only: tuple[str, ...],
) -> None:
    """Check that the API at --base-url keeps the contract (docs/contract.md).

    Exit 0: no violation at the chosen level. 1: at least one, or every selected check was skipped.
    2: usage error (an --only that matches no check) or target unreachable.
    """
    from bland_sms_mock.contracts.kit.report import outcome_line, print_report, write_json, write_kit_junit
    from bland_sms_mock.contracts.kit.runner import KitOptions, KitUsageError, run_kit

    if bool(second_api_key) != bool(second_agent_number):
        raise click.UsageError("--second-api-key and --second-agent-number go together")
    options = KitOptions(
        base_url=base_url,
        api_key=api_key,
        agent_number=agent_number,
        second_api_key=second_api_key,
        second_agent_number=second_agent_number,
        level=Level(level),
        read_only=read_only,
        allow_number_updates=allow_number_updates,
        max_creates=max_creates,
        max_examples=max_examples,
        seed=seed,
        timeout_checks=timeout_checks,
        control_token=control_token,
        request_timeout=request_timeout,
        only=only,
    )
    try:
        report = run_kit(options, on_outcome=lambda outcome: click.echo(outcome_line(outcome)))
    except KitUsageError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    print_report(report, click.echo)
    for problem in report.left_behind:
        click.echo(f"Warning: {problem}", err=True)
    if junit_xml:
        write_kit_junit(junit_xml, report)
    if json_path:
        write_json(json_path, report)
    sys.exit(0 if report.verdict == "passed" else 1)
