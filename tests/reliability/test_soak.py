"""A short soak (the `make soak` run, 8 s): no real 5xx, no lost or doubled conversation across resets."""

from __future__ import annotations

import json

import pytest

from bench.soak import main

pytestmark = pytest.mark.e2e


def test_a_short_soak_finds_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--seconds", "8", "--reset-every", "3"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0, report["problems"]
    assert report["epochs_checked"] >= 2 and report["statuses"].get("200", 0) > 100
