"""The Makefile on a fresh clone: `make serve` installs the runtime only, `make test` adds the test extras."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _plan(target: str, venv: Path) -> str:
    """What `make` would run for `target` with no virtualenv yet (`-n`: nothing is run)."""
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), f"VENV={venv}", target], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_serve_installs_only_the_runtime_and_test_adds_the_extras(tmp_path: Path) -> None:
    serve = _plan("serve", tmp_path / "venv")
    assert "pip install --quiet -e .\n" in serve and "[test]" not in serve
    test = _plan("test", tmp_path / "venv")
    assert "-e '.[test]'" in test and test.index("-e .\n") < test.index("[test]")
