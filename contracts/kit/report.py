"""Reports of a kit run: a line per check on the console, evidence for failures, JUnit XML and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from bland_sms_mock.contracts.client import Exchange
from bland_sms_mock.contracts.junit import JUnitCase, write_junit
from bland_sms_mock.contracts.kit.runner import CheckOutcome, KitReport

STYLES = {
    "passed": ("PASS", "green"),
    "failed": ("FAIL", "red"),
    "info": ("INFO", "yellow"),
    "skipped": ("SKIP", "blue"),
}


def outcome_line(outcome: CheckOutcome) -> str:
    """`PASS create.appends [inferred] ...` in one line (the reason for a skip or an info)."""
    label, colour = STYLES[outcome.status]
    head = f"{click.style(label, fg=colour, bold=True)} {outcome.name:<34} [{outcome.level.value}]"
    tail = f"  {outcome.seconds:5.2f}s"
    if outcome.status == "skipped":
        return f"{head}{tail}  skipped: {outcome.message}"
    if outcome.status == "info":
        first = outcome.message.splitlines()[0]
        return f"{head}{tail}  differs at [{outcome.violation_level.value}] level (not a failure): {first}"
    return head + tail


def distinct(exchanges: list[Exchange]) -> list[Exchange]:
    """The exchanges with repeats left out (one request and answer kept twice is shown once)."""
    kept: list[Exchange] = []
    forms: list[dict[str, Any]] = []
    for exchange in exchanges:
        form = exchange.to_dict()
        if form not in forms:
            kept.append(exchange)
            forms.append(form)
    return kept


def evidence(outcome: CheckOutcome) -> list[str]:
    """For a failure: what broke, and the exact requests and responses that show it, with curl commands."""
    lines = [f"  {line}" for line in outcome.message.splitlines()]
    lines.append(f"  rule level: {outcome.violation_level.value if outcome.violation_level else outcome.level.value}")
    for exchange in distinct(outcome.exchanges):
        lines += [
            f"  request:  {exchange.request_line()}",
            f"  response: {exchange.response_line(800)}",
            f"  curl:     {exchange.curl()}",
        ]
    return lines


def print_report(report: KitReport, echo: Callable[[str], None]) -> None:
    """The failures with their evidence, then one summary line."""
    for outcome in report.failed:
        echo("")
        echo(click.style(f"FAILED {outcome.name}: {outcome.description}", fg="red", bold=True))
        for line in evidence(outcome):
            echo(line)
    counts = {s: sum(1 for o in report.outcomes if o.status == s) for s in STYLES}
    kind = "a bland-sms-mock" if report.is_mock else "a target without the control API"
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    label = {"failed": "FAILED", "passed": "OK"}.get(report.verdict, "NOTHING CHECKED")
    verdict = click.style(label, fg="green" if report.verdict == "passed" else "red", bold=True)
    echo("")
    echo(
        f"{verdict}: {summary} at level {report.level.value}; {report.target} is {kind}; "
        f"run {report.run_id}, {report.creates} creates, {report.seconds:.1f}s"
    )


def to_json(report: KitReport) -> dict[str, Any]:
    """The run as a JSON document."""
    return {
        "target": report.target,
        "is_mock": report.is_mock,
        "level": report.level.value,
        "run_id": report.run_id,
        "creates": report.creates,
        "seconds": round(report.seconds, 3),
        "outcome": report.verdict,
        "checks": [
            {
                "name": o.name,
                "level": o.level.value,
                "suite": o.suite,
                "description": o.description,
                "status": o.status,
                "message": o.message,
                "violation_level": o.violation_level.value if o.violation_level else None,
                "seconds": round(o.seconds, 3),
                "evidence": [e.to_dict() for e in distinct(o.exchanges)],
            }
            for o in report.outcomes
        ],
    }


def write_json(path: str | Path, report: KitReport) -> None:
    """Write the JSON report."""
    Path(path).write_text(json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_kit_junit(path: str | Path, report: KitReport) -> None:
    """Write JUnit XML: one test case per check; info outcomes pass with their note in system-out."""
    cases = []
    for o in report.outcomes:
        status = {"info": "passed"}.get(o.status, o.status)
        text = "\n".join(evidence(o)) if o.status in ("failed", "info") else o.message
        message = o.message.splitlines()[0] if o.message else ""
        cases.append(JUnitCase(o.name, f"contract.{o.suite}", o.seconds, status, message, click.unstyle(text)))
    write_junit(path, "bland-sms-mock check", cases)
