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
