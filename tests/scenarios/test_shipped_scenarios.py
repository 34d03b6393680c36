"""Every shipped scenario passes against the mock, validates against the published schema, and the
schema and the busy seed are what their generators make today."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from bland_sms_mock.contracts.scenarios.json_schema import render_schema
from bland_sms_mock.contracts.scenarios.loader import load
from bland_sms_mock.contracts.scenarios.runner import Outcome, Target, run_scenario
from bland_sms_mock.contracts.scenarios.seeds import busy_account, read_seed
from bland_sms_mock.contracts.yamltext import load_yaml
from scenario_support import ROOT, SCENARIOS, SEEDS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def test_at_least_twelve_scenarios_ship() -> None:
    assert len(SHIPPED) >= 12


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_passes_against_the_mock(path: Path, mock_target: Target) -> None:
    result = run_scenario(load(path), mock_target)
    failures = [
        f"step {s.number} {s.title}: {s.reason} " + "; ".join(c.detail for c in s.checks if not c.passed)
        for s in result.steps
        if s.outcome is not Outcome.PASSED
    ]
    assert result.outcome is Outcome.PASSED, "\n".join(failures)
    assert all(step.outcome is Outcome.PASSED for step in result.steps)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_validates_against_the_published_schema(path: Path) -> None:
    schema = json.loads((ROOT / "fixtures" / "scenario.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(load_yaml(path.read_text()))


def test_published_schema_is_current() -> None:
    committed = (ROOT / "fixtures" / "scenario.schema.json").read_text()
    assert committed == render_schema(), "stale: run make fixtures"


def test_busy_seed_is_what_the_generator_makes() -> None:
    shipped = read_seed(SEEDS / "busy_account.yaml")
    assert len(shipped["conversations"]) >= 5000
    assert shipped == busy_account(), "regenerate: python -m bland_sms_mock.contracts.scenarios.seeds"


def test_generator_is_deterministic() -> None:
    assert busy_account(50, seed=7) == busy_account(50, seed=7)
    assert busy_account(50, seed=7) != busy_account(50, seed=8)
