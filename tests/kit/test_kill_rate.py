"""The kit fails every broken target (with the check meant to catch it) and passes every benign one."""

from __future__ import annotations

import pytest
from catalog import BENIGN, BROKEN
from kit_support import judge

from mock_server.app import create_app

pytestmark = pytest.mark.e2e


def test_the_catalogue_is_large_enough() -> None:
    assert len(BROKEN) >= 20 and len(BENIGN) >= 5
    families = {check.split(".")[0] for check, _ in BROKEN.values()}
    assert families == {"list", "create", "auth", "timeouts"}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_target_fails(name: str) -> None:
    expected, factory = BROKEN[name]
    report = judge(factory())
    failed = {outcome.name for outcome in report.failed}
    assert expected in failed, f"{name}: {expected} passed; failed were {sorted(failed)}"
    assert report.is_mock


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_a_benign_target_passes(name: str) -> None:
    report = judge(BENIGN[name]())
    assert not report.failed, [(o.name, o.message[:300]) for o in report.failed]
    assert any(o.status == "info" for o in report.outcomes) or name == "extra_item_fields"


def test_the_real_mock_passes_every_check() -> None:
    report = judge(create_app())
    assert not report.failed, [(o.name, o.message[:300]) for o in report.failed]
    assert {o.status for o in report.outcomes} <= {"passed", "info"}
    assert len(report.outcomes) >= 20
