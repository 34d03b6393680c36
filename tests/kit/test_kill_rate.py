"""The kit fails every broken target (with the check meant to catch it) and passes every benign one."""

from __future__ import annotations

import pytest
from bland_sms_mock.contracts.kit.selection import load_all
from bland_sms_mock.contracts.models.api import Level
from bland_sms_mock.contracts.rules import Rule, load_rules
from bland_sms_mock.mock_server.app import create_app
from catalog import BENIGN, BROKEN, Rules
from kit_support import BENIGN_EXAMPLES, judge
from rules import API_SECTIONS, EXEMPT, EXEMPT_PREFIXES, FREEDOMS

pytestmark = pytest.mark.e2e


def ids(rules: Rules) -> tuple[str, ...]:
    """The rule ids a catalogue entry names (one, or a tuple of them)."""
    return (rules,) if isinstance(rules, str) else tuple(rules)


def test_every_rule_of_the_contract_has_a_target() -> None:
    """Every rule of docs/contract.md has a target of its kind (by its level) or an exemption with a reason."""
    rules = {rule.id: rule for rule in load_rules()}
    broken = {name: ids(entry[0]) for name, entry in BROKEN.items()}
    benign = {name: ids(entry[0]) for name, entry in BENIGN.items()}
    problems = []

    def obligation(rule_id: str) -> bool:
        return rules[rule_id].level is not Level.MOCK and rule_id not in FREEDOMS

    for kind, entries in (("broken", broken), ("benign", benign)):
        for name, named in entries.items():
            problems += [
                f"{kind} target {name} names {r}, a rule docs/contract.md lacks" for r in named if r not in rules
            ]
    problems += [
        f"rules.{what} names {r}, a rule docs/contract.md lacks"
        for what, names in (("EXEMPT", EXEMPT), ("FREEDOMS", FREEDOMS))
        for r in sorted(names)
        if r not in rules
    ]
    for prefix in EXEMPT_PREFIXES:
        if prefix.split(".")[0] in API_SECTIONS:
            problems.append(f"rules.EXEMPT_PREFIXES exempts {prefix!r}, a section of the API: exempt its rules by id")
        if not any(r.startswith(prefix) for r in rules):
            problems.append(f"rules.EXEMPT_PREFIXES exempts {prefix!r}, which starts no rule of docs/contract.md")
    if problems:
        pytest.fail("\n".join(problems))

    for name, named in broken.items():
        wrong = [r for r in named if not obligation(r)]
        if wrong:
            problems.append(f"broken target {name} names rules that are no obligation ([mock] or freedoms): {wrong}")
    for name, named in benign.items():
        wrong = [f"{r} [{rules[r].level.value}]" for r in named if obligation(r)]
        if wrong:
            problems.append(f"benign target {name} stands for an obligation, not a choice: {wrong}")
    with_broken = {r for named in broken.values() for r in named}
    with_benign = {r for named in benign.values() for r in named}
    for rule_id in sorted(EXEMPT):
        if rule_id in with_broken | with_benign:
            problems.append(f"{rule_id} is exempt in rules.EXEMPT yet has a target")
        if rule_id.startswith(tuple(EXEMPT_PREFIXES)):
            problems.append(f"{rule_id} is exempt by id and by its prefix")

    def missing(rule: Rule, kind: str) -> str:
        return f"{rule.id} [{rule.level.value}] {rule.text} -- no {kind} target, no exemption"

    for rule in rules.values():
        if rule.id in EXEMPT or rule.id.startswith(tuple(EXEMPT_PREFIXES)):
            continue
        if obligation(rule.id) and rule.id not in with_broken:
            problems.append(missing(rule, "broken"))
        elif not obligation(rule.id) and rule.id not in with_benign:
            problems.append(missing(rule, "benign"))
    assert not problems, "\n".join(problems)
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
