"""Fixtures for the reliability tests: a seed big enough that loading it takes a visible moment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bland_sms_mock.contracts.scenarios.seeds import busy_account


@pytest.fixture(scope="session")
def busy_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The busy account's 5,000 conversations as a JSON seed file (about 0.6 s to load on an idle core)."""
    path = tmp_path_factory.mktemp("seeds") / "busy.json"
    path.write_text(json.dumps(busy_account(5000)), encoding="utf-8")
    return path
