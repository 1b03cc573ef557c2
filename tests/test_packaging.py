"""The built wheel carries the SQL catalogue, and the installed package finds it there."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("aibridge_analytics-*.whl")
    return built


def test_wheel_contains_every_sql_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"aibridge_analytics/_sql/{p.relative_to(ROOT / 'sql').as_posix()}" for p in (ROOT / "sql").rglob("*.sql")
    }
    assert expected and expected <= names


def test_wheel_ships_every_module_and_says_it_is_typed(wheel):
    """Every package module and the PEP 561 marker (mypy --strict holds for the package)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "aibridge_analytics"
    modules = {f"aibridge_analytics/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert "aibridge_analytics/py.typed" in names
    assert "aibridge_analytics/demo/truth.py" in modules and modules <= names


def test_git_tracks_every_package_file():
    """A file the checkout has but git ignores would be missing from every clean clone (CI, users)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an sdist): nothing to compare")
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--ignored", "--exclude-standard", "aibridge_analytics", "sql"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert [f for f in listed if "__pycache__" not in f] == []


def test_installed_wheel_reads_its_own_catalogue(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = "from aibridge_analytics import catalogue as c; print(c.sql_dir()); print(len(c.catalogue()))"
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    where, count = done.stdout.split()
    assert Path(where) == target / "aibridge_analytics" / "_sql"
    assert int(count) == len(list((ROOT / "sql").rglob("*.sql")))
