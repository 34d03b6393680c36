"""The kit fails every broken target (with the check meant to catch it) and passes every benign one."""

from __future__ import annotations

import pytest
from bland_sms_mock.contracts.kit.selection import load_all
from bland_sms_mock.contracts.models.api import Level
from bland_sms_mock.mock_server.app import create_app
from catalog import BENIGN, BROKEN
from kit_support import BENIGN_EXAMPLES, judge
from rules import EXEMPT, FREEDOMS, RULES

pytestmark = pytest.mark.e2e


def test_every_rule_of_the_contract_has_a_target() -> None:
    broken = {rule for rule, _, _ in BROKEN.values()}
    benign = {rule for rule, _ in BENIGN.values()}
    unknown = (broken | benign | set(EXEMPT) | FREEDOMS) - set(RULES)
    assert not unknown, f"the catalogue names rules that rules.RULES lacks: {sorted(unknown)}"
    missing = []
    for rule, (level, _) in RULES.items():
        if rule in EXEMPT:
            assert rule not in broken | benign, f"{rule} is exempt yet has a target"
        elif level is Level.MOCK or rule in FREEDOMS:
            missing += [] if rule in benign else [f"{rule}: no benign target"]
        else:
            missing += [] if rule in broken else [f"{rule}: no broken target"]
    assert not missing, missing
    obligations = [r for r in benign if RULES[r][0] is not Level.MOCK and r not in FREEDOMS]
    assert not obligations, f"benign targets that break an obligation: {obligations}"
    assert all(RULES[rule][0] is not Level.MOCK for rule in broken), "a broken target breaks only a [mock] choice"
    assert {check for _, check, _ in BROKEN.values()} <= set(load_all())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_target_fails(name: str) -> None:
    _, expected, factory = BROKEN[name]
    report = judge(factory(), only=(expected,))
    failed = {outcome.name for outcome in report.failed}
    assert expected in failed, f"{name}: {expected} did not fail; failed were {sorted(failed)}"
    assert report.is_mock


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_a_benign_target_passes(name: str) -> None:
    report = judge(BENIGN[name][1](), max_examples=BENIGN_EXAMPLES)
    assert not report.failed, [(o.name, o.message[:300]) for o in report.failed]


def test_the_real_mock_passes_every_check() -> None:
    report = judge(create_app())
    assert [(o.name, o.status, o.message[:200]) for o in report.outcomes if o.status != "passed"] == []
    assert len(report.outcomes) == len(load_all())
