"""The render cache (`catalogue.cache`): a rendered text kept between runs is the text the renderer
gives, its values bound afresh, and a change of what it was rendered from renders it again."""

from __future__ import annotations

import json

import pytest

from aibridge_analytics.catalogue import Probe, cache, headers, loader, rendering
from aibridge_analytics.cli import main
from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.errors import SqlError, UsageError
from aibridge_analytics.pipelines.summaries import KEYS


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("render-cache") / "demo.duckdb"
    build_demo(path, 2_000, 3)
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A cache directory of this test's own, and no statement held in memory from other tests."""
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(where))
    monkeypatch.setattr(cache, "_memo", {})
    return where / "render"


def _rendered(name, dialect, params=None, *, probe=None, keys=None, bind=True):
    """What the renderer itself gives, without the cache."""
    return rendering.statement(name, dialect, probe, keys=keys).bind(params, bind=bind)


def _from_disk(monkeypatch, *args, **kwargs):
    """A render through the cache with nothing held in memory: what a new process reads."""
    monkeypatch.setattr(cache, "_memo", {})
    return cache.render(*args, **kwargs)


def _older_probe() -> Probe:
    """A Coder without ai_providers and without the interceptions' provider_id (before 000495)."""
    full = Probe.full().columns
    columns = {t: dict(c) for t, c in full.items() if t != "ai_providers"}
    columns["aibridge_interceptions"].pop("provider_id")
    return Probe(columns)


def test_every_query_read_back_from_the_cache_is_the_render_itself(cache_dir, monkeypatch):
    rendered = 0
    for name, header in headers().items():
        for dialect in header.dialects:
            # Every engine with the newest schema; DuckDB (a warehouse of any age) with an older one.
            for probe in (None, _older_probe()) if dialect == "duckdb" else (None,):
                try:
                    direct = _rendered(name, dialect, probe=probe, bind=False)
                except SqlError:
                    # What the renderer refuses the cache refuses too, and keeps nothing of.
                    with pytest.raises(SqlError):
                        cache.render(name, dialect, probe=probe, bind=False)
                    continue
                assert cache.render(name, dialect, probe=probe, bind=False) == direct  # rendered, kept
                assert _from_disk(monkeypatch, name, dialect, probe=probe, bind=False) == direct
                rendered += 1
    assert rendered > 2 * len(headers())  # most run on every engine
    assert len(list(cache_dir.glob("*.json"))) == rendered


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_values_are_bound_afresh_to_a_kept_text(cache_dir, monkeypatch, dialect):
    keys = [*KEYS["provider"], *KEYS["day"]]
    first = cache.render("summaries/figures", dialect, {"since": "2026-01-01T00:00:00Z", "tz": "UTC"}, keys=keys)
    params = {"since": "2026-02-01T00:00:00Z", "until": "2026-03-01T00:00:00Z", "tz": "Europe/Berlin"}
    again = _from_disk(monkeypatch, "summaries/figures", dialect, params, keys=keys)
    assert again == _rendered("summaries/figures", dialect, params, keys=keys)
    assert again.sql == first.sql and again.params != first.params
    assert again.params["tz"] == "Europe/Berlin" and first.params["until"] is None
    # Other keys are another text.
    assert cache.render("summaries/figures", dialect, params, keys=KEYS["model"]).sql != again.sql
    # What binding refuses, it refuses from a kept text too, in the same words.
    with pytest.raises(UsageError, match="malformed UUID for initiator_id"):
        _from_disk(monkeypatch, "interceptions/filtered", dialect, {"initiator_id": "not-a-uuid"})
    with pytest.raises(SqlError, match="unknown parameter"):
        _from_disk(monkeypatch, "summaries/figures", dialect, {"nope": 1}, keys=keys)
    hostile = "x'); DROP TABLE aibridge_interceptions; --"
    bound = _from_disk(monkeypatch, "interceptions/filtered", dialect, {"model": hostile})
    assert bound.params["model"] == hostile and hostile not in bound.sql


def test_a_changed_catalogue_file_is_rendered_again(cache_dir, monkeypatch, tmp_path):
    import shutil

    copy = tmp_path / "sql"
    shutil.copytree(loader.sql_dir(), copy)
    cached = (loader._files, loader.headers, loader.relations, loader.fingerprint, loader.digest, loader._parsed)

    def reread() -> None:
        for function in cached:
            function.cache_clear()

    monkeypatch.setattr(loader, "sql_dir", lambda: copy)
    reread()
    try:
        before = cache.render("summaries/figures", "duckdb", keys=KEYS["provider"])
        path = copy / "summaries" / "figures.sql"
        path.write_text(path.read_text().replace("COUNT(*) AS interceptions", "COUNT(1) AS interceptions"))
        reread()
        # In this process and in a new one alike.
        after = cache.render("summaries/figures", "duckdb", keys=KEYS["provider"])
        assert "COUNT(*) AS interceptions" in before.sql
        assert "COUNT(1) AS interceptions" in after.sql
        assert _from_disk(monkeypatch, "summaries/figures", "duckdb", keys=KEYS["provider"]) == after
    finally:
        monkeypatch.undo()
        reread()


def test_an_unreadable_entry_is_rendered_again_and_replaced(cache_dir, monkeypatch):
    direct = _rendered("providers/list", "duckdb")
    cache.render("providers/list", "duckdb")
    (entry,) = cache_dir.glob("*.json")
    kept = json.loads(entry.read_text())
    for garbage in (
        "",
        "{",
        '{"sql": 1}',
        "[]",
        json.dumps({**kept, "name": "users/list"}),
        json.dumps({**kept, "used": [*kept["used"], "undeclared"]}),
    ):
        entry.write_text(garbage)
        assert _from_disk(monkeypatch, "providers/list", "duckdb") == direct
        assert cache._read(entry, "providers/list", "duckdb") is not None  # written anew


def test_a_cache_that_cannot_be_used_changes_nothing_but_speed(tmp_path, monkeypatch):
    direct = _rendered("providers/list", "postgres")
    monkeypatch.setattr(cache, "_memo", {})
    # Off: nothing is written anywhere.
    monkeypatch.setenv(cache.ENV, "")
    assert cache.directory() is None
    assert cache.render("providers/list", "postgres") == direct
    # A file where the directory would be.
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV, str(blocker))
    assert _from_disk(monkeypatch, "providers/list", "postgres") == direct
    assert blocker.read_text() == "not a directory"
    # A directory another user owns is neither written nor read: an entry planted there is not run.
    foreign = tmp_path / "foreign"
    monkeypatch.setenv(cache.ENV, str(foreign))
    (foreign / "render").mkdir(parents=True)
    planted = foreign / "render" / f"{cache._key('providers/list', 'postgres', None, None, None, None)}.json"
    entry = {"name": "providers/list", "dialect": "postgres", "sql": "DROP TABLE ai_providers", "spec": [], "used": []}
    planted.write_text(json.dumps(entry))
    assert cache._read(planted, "providers/list", "postgres") is not None  # a well-formed entry
    monkeypatch.setattr(cache.os, "getuid", lambda: (foreign / "render").stat().st_uid + 1)
    assert _from_disk(monkeypatch, "providers/list", "postgres") == direct
    assert list((foreign / "render").iterdir()) == [planted]


def test_a_command_runs_from_the_kept_texts_without_rendering(cache_dir, monkeypatch, demo_db, capsys):
    args = ["summary", "--source", str(demo_db), "--by", "provider,model", "--format", "csv"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert list(cache_dir.glob("*.json"))

    def refused(*args, **kwargs):
        raise AssertionError(f"rendered {args[0]} again")

    # A new process: nothing in memory, every text on disk.
    monkeypatch.setattr(cache, "_memo", {})
    monkeypatch.setattr(rendering, "statement", refused)
    assert main(args) == 0
    assert capsys.readouterr().out == first


def test_a_command_with_its_statements_kept_imports_no_parser(demo_db, tmp_path):
    # sqlglot's import is a tenth of a second of every command: a reader of fresh facts whose
    # statements are all kept needs none of it.
    import os
    import subprocess
    import sys

    args = ["summary", "--source", str(demo_db), "--by", "provider,day", "--out", str(tmp_path / "s.csv")]
    code = f"import sys\nfrom aibridge_analytics.cli import main\nprint(main({args!r}), 'sqlglot' in sys.modules)"
    env = {**os.environ, cache.ENV: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True) for _ in range(2)]
    assert [r.stdout.split()[-2:] for r in runs] == [["0", "True"], ["0", "False"]], [r.stderr for r in runs]
