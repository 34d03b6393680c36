"""`check --only`: prefixes select, a selector that matches nothing is a usage error, a run of skips is no pass."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from bland_sms_mock.contracts.kit.registry import REGISTRY, check
from bland_sms_mock.contracts.kit.selection import UnknownSelection, load_all, select
from bland_sms_mock.contracts.models.api import Level
from bland_sms_mock.mock_server.app import create_app
from bland_sms_mock.mock_server.serving import BackgroundServer
from click.testing import CliRunner

from bland_sms_mock.cli import main

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mock_url() -> str:
    """A served mock."""
    server = BackgroundServer(create_app()).start()
    try:
        yield server.url
    finally:
        server.stop()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.output


def test_a_prefix_selects_every_check_it_starts() -> None:
    assert [s.name for s in select(("list.filter",))] == ["list.filters"]
    assert [s.name for s in select(("schema",))] == ["schema.list", "schema.create"]
    assert [s.name for s in select(("timeouts.re", "create.envelope"))] == [
        "create.envelope",
        "timeouts.reply_cancels_timer",
    ]
    assert len(select()) == len(REGISTRY) >= 20


@pytest.mark.parametrize("selector", ["create.envlope", "lists", "create.appends.x"])
def test_a_selector_that_matches_nothing_is_a_usage_error(mock_url: str, tmp_path: Path, selector: str) -> None:
    accounts = httpx.get(f"{mock_url}/_mock/accounts").json()
    code, output = run(
        "--base-url", mock_url, "--only", "create", "--only", selector, "--junit-xml", str(tmp_path / "k")
    )
    assert code == 2, output
    assert f"--only '{selector}' matches no check" in output and "create.envelope, create.appends" in output
    assert "OK" not in output and not (tmp_path / "k").exists()
    assert httpx.get(f"{mock_url}/_mock/accounts").json() == accounts  # nothing was set up for it


def test_the_prefix_the_help_names_runs_its_checks(mock_url: str) -> None:
    code, output = run("--base-url", mock_url, "--only", "list.filter")
    assert code == 0, output
    assert "PASS list.filters" in output and "1 passed" in output


def test_a_run_in_which_every_check_was_skipped_is_not_ok(mock_url: str) -> None:
    code, output = run("--base-url", mock_url, "--only", "timeouts", "--timeout-checks", "skip")
    assert code == 1, output
    assert "NOTHING CHECKED: 3 skipped" in output and "OK" not in output


def test_registering_a_check_name_twice_is_an_error() -> None:
    before = dict(load_all())
    with pytest.raises(ValueError, match=r"'create\.appends' is already registered"):
        check("create.appends", Level.MOCK, "create")(lambda ctx: None)
    assert before == REGISTRY
    assert issubclass(UnknownSelection, ValueError)
