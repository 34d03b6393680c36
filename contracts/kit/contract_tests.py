"""The contract kit's checks as pytest tests, for teams that run everything through pytest.

    pytest --pyargs bland_sms_mock.contracts.kit.contract_tests --contract-base-url URL [--contract-api-key KEY
        --contract-agent-number NUMBER] [--contract-level inferred] [--contract-read-only]
        [--contract-allow-number-updates]

One test per check; a violation at the chosen level fails it with the evidence (requests, responses,
curl), a check that cannot run here is skipped with the reason, and a difference below the level passes
with a warning. The options come from the bland-sms-mock pytest plugin.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator

import pytest
from bland_sms_mock.contracts.kit.context import KitContext
from bland_sms_mock.contracts.kit.report import evidence
from bland_sms_mock.contracts.kit.runner import Footprint, KitOptions, KitUsageError, connect, context_for, run_check
from bland_sms_mock.contracts.kit.selection import load_all
from bland_sms_mock.contracts.models.api import Level

CHECKS = sorted(load_all())


@pytest.fixture(scope="session")
def contract_context(request: pytest.FixtureRequest) -> Iterator[KitContext]:
    """One kit context for the session, from the `--contract-*` options; the mock is put back at the end."""
    option = request.config.getoption
    base_url = option("--contract-base-url", None)
    if not base_url:
        pytest.skip("give --contract-base-url URL to run the contract checks")
    options = KitOptions(
        base_url=base_url,
        api_key=option("--contract-api-key"),
        agent_number=option("--contract-agent-number"),
        level=Level(option("--contract-level")),
        max_examples=option("--contract-max-examples"),
        read_only=option("--contract-read-only"),
        allow_number_updates=option("--contract-allow-number-updates"),
    )
    try:
        client, health = connect(options)
    except KitUsageError as exc:
        pytest.exit(f"contract checks cannot run: {exc}", returncode=2)
    footprint = Footprint(client)
    try:
        context = context_for(options, client, health, secrets.token_hex(4), footprint)
    except KitUsageError as exc:
        footprint.restore()
        pytest.exit(f"contract checks cannot run: {exc}", returncode=2)
    yield context
    for problem in footprint.restore():  # leave a mock as it was found: its clock, without the kit's accounts
        warnings.warn(f"contract kit: {problem}", stacklevel=1)
    client.close()


@pytest.mark.parametrize("name", CHECKS)
def test_contract(name: str, contract_context: KitContext) -> None:
    """Run one registered check against the target."""
    outcome = run_check(contract_context, load_all()[name])
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    if outcome.status == "info":
        warnings.warn(f"{name}: differs at [{outcome.violation_level}] level: {outcome.message}", stacklevel=1)
    if outcome.status == "failed":
        pytest.fail(f"{outcome.description}\n" + "\n".join(evidence(outcome)), pytrace=False)
