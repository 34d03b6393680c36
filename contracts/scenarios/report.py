"""Reports of a replay: step by step on the console, a summary table, JSON, and JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from bland_sms_mock.contracts.junit import JUnitCase, write_junit
from bland_sms_mock.contracts.scenarios.runner import Outcome, ScenarioResult, StepResult, run_outcome

MARKS = {Outcome.PASSED: ("✓", "green"), Outcome.FAILED: ("✗", "red"), Outcome.SKIPPED: ("○", "yellow")}
MARKS[Outcome.ERROR] = ("!", "red")

Echo = Callable[[str], None]


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 step`, `2 steps`, `1 journal entry`, `3 journal entries` (give `plural` when it is not noun + s)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _mark(outcome: Outcome) -> str:
    symbol, colour = MARKS[outcome]
    return click.style(symbol, fg=colour, bold=True)


def print_scenario(result: ScenarioResult, echo: Echo, *, verbose: bool = False) -> None:
    """Print one scenario step by step: what was sent and came back, and each expectation's fate."""
    title = click.style(result.name, bold=True)
    echo(f"{_mark(result.outcome)} {title}  ({result.path})")
    if result.description and (verbose or result.outcome is not Outcome.PASSED):
        echo(click.style(f"  {' '.join(result.description.split())}", dim=True))
    if result.reason:
        echo(f"  {result.outcome.value}: {result.reason}")
    if result.setup_skipped:
        echo(f"  {_mark(Outcome.SKIPPED)} setup skipped: {result.setup_skipped}")
    for step in result.steps:
        _print_step(step, echo, verbose=verbose)
    counts = ", ".join(f"{result.count(o)} {o.value}" for o in Outcome if result.count(o))
    echo(click.style(f"  {counts or 'no steps'} in {result.seconds:.2f}s", dim=True))
    echo("")


def _print_step(step: StepResult, echo: Echo, *, verbose: bool) -> None:
    echo(f"  {step.number:>2} {_mark(step.outcome)} {step.title}")
    open_up = verbose or step.outcome in (Outcome.FAILED, Outcome.ERROR)
    limit = 2000 if open_up else 160
    for exchange in step.exchanges:
        echo(click.style(f"       → {_cut(exchange.request_line(), limit)}", fg="cyan"))
        echo(click.style(f"       ← {exchange.response_line(limit)}", fg="cyan"))
    if step.note:
        echo(click.style(f"       ⏱ {step.note}", fg="cyan"))
    if step.reason:
        echo(f"       {step.outcome.value}: {step.reason}")
    for unchecked in step.unchecked:
        echo(f"       {_mark(Outcome.SKIPPED)} not checked: {unchecked}")
    for check in step.checks:
        if check.passed and not verbose:
            continue
        echo(f"       {_mark(Outcome.PASSED if check.passed else Outcome.FAILED)} {check.what}")
        if not check.passed:
            if check.detail:
                echo(f"         {check.detail}")
            for line in check.diff.splitlines():
                colour = "red" if line.startswith("-") else "green" if line.startswith("+") else None
                echo(click.style(f"         {line}", fg=colour))
    if step.outcome is Outcome.FAILED and step.exchanges:
        echo(click.style(f"       reproduce: {step.exchanges[0].curl()}", dim=True))
    elif step.checks and not verbose and step.outcome is Outcome.PASSED:
        echo(click.style("       " + ", ".join(check.what.split(" (")[0] for check in step.checks), dim=True))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def print_summary(results: list[ScenarioResult], echo: Echo) -> None:
    """A table: one row per scenario with its step counts and outcome, then the totals."""
    width = max([len("scenario"), *(len(r.name) for r in results)])
    header = f"{'scenario':<{width}}  steps  passed  failed  skipped  time     result"
    echo(click.style(header, bold=True))
    for r in results:
        failed = r.count(Outcome.FAILED) + r.count(Outcome.ERROR)
        row = (
            f"{r.name:<{width}}  {len(r.steps):>5}  {r.count(Outcome.PASSED):>6}  {failed:>6}"
            f"  {r.count(Outcome.SKIPPED):>7}  {r.seconds:>6.2f}s  "
        )
        symbol, colour = MARKS[r.outcome]
        echo(row + click.style(f"{symbol} {r.outcome.value}", fg=colour, bold=True))
    totals = {o: sum(1 for r in results if r.outcome is o) for o in Outcome}
    line = ", ".join(f"{n} {o.value}" for o, n in totals.items() if n)
    steps = [step for r in results for step in r.steps]
    ran = sum(1 for step in steps if step.ran)
    echo(
        click.style(
            f"{counted(len(results), 'scenario')}: {line}; {ran} of {counted(len(steps), 'step')} ran", bold=True
        )
    )
    if run_outcome(results) is Outcome.SKIPPED:
        echo(
            click.style(
                "Nothing ran: every step was skipped (the reasons are above), so nothing was checked.", fg="red"
            )
        )


def to_json(results: list[ScenarioResult], target: str) -> dict[str, Any]:
    """The replay as a JSON document (stable keys, for tools)."""
    return {
        "target": target,
        "outcome": run_outcome(results).value,
        "scenarios": [
            {
                "name": r.name,
                "path": r.path,
                "outcome": r.outcome.value,
                "reason": r.reason,
                "setup_skipped": r.setup_skipped,
                "seconds": round(r.seconds, 4),
                "steps": [_step_json(step) for step in r.steps],
            }
            for r in results
        ],
    }


def _step_json(step: StepResult) -> dict[str, Any]:
    return {
        "number": step.number,
        "action": step.action,
        "title": step.title,
        "outcome": step.outcome.value,
        "reason": step.reason,
        "note": step.note,
        "unchecked": step.unchecked,
        "exchanges": [e.to_dict() for e in step.exchanges],
        "checks": [{"what": c.what, "passed": c.passed, "detail": c.detail, "diff": c.diff} for c in step.checks],
    }


def write_json(path: str | Path, results: list[ScenarioResult], target: str) -> None:
    """Write the JSON report."""
    Path(path).write_text(json.dumps(to_json(results, target), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_replay_junit(path: str | Path, results: list[ScenarioResult]) -> None:
    """Write JUnit XML: one test case per scenario, the failing steps as its failure text."""
    cases = []
    for r in results:
        lines: list[str] = []
        print_scenario(r, lambda text, into=lines: into.append(click.unstyle(text)), verbose=False)
        failing = [s for s in r.steps if s.outcome in (Outcome.FAILED, Outcome.ERROR)]
        message = r.reason or "; ".join(f"step {s.number} {s.title}: {s.reason or _first_problem(s)}" for s in failing)
        cases.append(
            JUnitCase(r.name, f"replay.{Path(r.path).stem}", r.seconds, r.outcome.value, message, "\n".join(lines))
        )
    write_junit(path, "bland-sms-mock replay", cases)


def _first_problem(step: StepResult) -> str:
    failed = [c for c in step.checks if not c.passed]
    return f"{failed[0].what}: {failed[0].detail}" if failed else step.outcome.value
