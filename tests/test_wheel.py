"""The built wheel, installed into a fresh venv, serves a project that has its own `contracts` and `mock_server`.

The editable install of `make test` hides packaging mistakes (its finder wins over the current directory),
so this test builds the wheel, installs it into a new virtualenv with no editable finder, and runs a
throwaway project's tests there with `python -m pytest`, the way a user's CI would. The new venv borrows
this venv's third-party packages through a `.pth` line, so no network is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.e2e

USER_TEST = """
    import contracts
    import httpx
    import mock_server


    def test_my_own_packages_are_mine():
        assert contracts.OWNER == "me" and mock_server.OWNER == "me"


    def test_the_bland_mock_fixture(bland_mock):
        body = {"user_number": "+15550001111", "agent_number": bland_mock.agent_number, "message": "hi"}
        with httpx.Client(base_url=bland_mock.url, headers={"authorization": bland_mock.api_key}) as client:
            created = client.post("/v1/sms/create", json=body)
            listed = client.get("/v1/sms/conversations")
        assert created.status_code == 200, created.text
        assert listed.json()["data"][0]["user_number"] == "+15550001111"
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "bland-sms-mock"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "reports"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), source],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("bland_sms_mock-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A new venv holding only the wheel; third-party packages come from this venv's site-packages."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False)
    python = home / "bin" / "python"
    own_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], capture_output=True, text=True
    ).stdout.strip()
    # A plain path entry: .pth files inside it (this venv's editable finder) are not processed.
    Path(own_site, "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return home


def test_the_wheel_holds_one_import_name_and_the_inspector_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"bland_sms_mock"}
    assert "bland_sms_mock/mock_server/ui/static/app.js" in names
    assert "bland_sms_mock/mock_server/ui/templates/index.html" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "bland_sms_mock.pytest_plugin" in text and "bland_sms_mock.entry:main" in text


def test_a_project_with_its_own_contracts_and_mock_server_runs_its_tests(fresh_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for package in ("contracts", "mock_server"):
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text('OWNER = "me"\n')
    (project / "test_app.py").write_text(textwrap.dedent(USER_TEST))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "PYTEST"))}
    done = subprocess.run(
        [fresh_venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_the_console_script_of_the_wheel(fresh_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "__init__.py").write_text("")
    done = subprocess.run(
        [fresh_venv / "bin" / "bland-sms-mock", "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "bland-sms-mock, version" in done.stdout, done.stderr
