"""The Parquet lake: written from a warehouse, read by DuckDB and Spark with the warehouse's answers,
rewritten incrementally (only the partitions whose content changed), atomic per partition.

Warehouses here are the demo, or warehouses synced from Parquet exports of the demo cut at a time
(the rows started, or created, before it; interceptions that had not ended by then in flight), so
that a second sync brings new interceptions, late child rows and interceptions that ended since.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aibridge_analytics import catalogue
from aibridge_analytics.cli import main
from aibridge_analytics.coder import TABLES
from aibridge_analytics.demo.generator import build_demo
from aibridge_analytics.errors import OutputError
from aibridge_analytics.sources.kinds import connect
from aibridge_analytics.warehouse import facts, lake, store
from aibridge_analytics.warehouse.store import Warehouse
from aibridge_analytics.warehouse.sync import sync
from tests.datasets import assert_same_rows

CHILDREN = ("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse (a few hundred interceptions over the demo's three months)."""
    db = tmp_path_factory.mktemp("lake-demo") / "demo.duckdb"
    build_demo(db, interceptions=300)
    return db


@pytest.fixture(scope="module")
def demo_lake(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake-out") / "lake"
    lake.write(demo, root)
    return root


def _start_times(db: Path) -> list[datetime]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.table("aibridge_interceptions").pl()["started_at"].sort().to_list()


def export_until(db: Path, directory: Path, cut: datetime, since: datetime | None = None) -> Path:
    """The demo ``db`` as Coder held it at ``cut``: the interceptions started before it (those that
    ended later in flight) and the child rows created before it, as ``<table>.parquet`` files;
    only the rows of ``since`` and later, if given (fewer days: fewer partitions to write)."""
    directory.mkdir(parents=True, exist_ok=True)
    since = since or datetime.min.replace(tzinfo=cut.tzinfo)
    with duckdb.connect(str(db), read_only=True) as con:
        for table in TABLES:
            frame = con.table(table).pl()
            if table == "aibridge_interceptions":
                frame = frame.filter(pl.col("started_at").is_between(since, cut, closed="left")).with_columns(
                    pl.when(pl.col("ended_at") < cut).then(pl.col("ended_at")).alias("ended_at")
                )
            elif table in CHILDREN:
                frame = frame.filter(pl.col("created_at").is_between(since, cut, closed="left"))
            frame.write_parquet(directory / f"{table}.parquet")
    return directory


def files(root: Path) -> dict[str, tuple[int, int]]:
    """Each Parquet file of the lake (relative path) and its identity (inode, mtime): a rewrite changes it."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*.parquet")}


def contents(root: Path) -> dict[str, pl.DataFrame]:
    """Each Parquet file's rows, in a canonical order."""
    found = {}
    for path in root.rglob("*.parquet"):
        frame = pl.read_parquet(path, hive_partitioning=False)
        found[str(path.relative_to(root))] = frame.sort(frame.columns, nulls_last=True)
    return found


def tables(root: Path) -> dict[str, pl.DataFrame]:
    """Each table of the lake, all its partitions' rows in a canonical order."""
    found = {}
    for table in sorted(p.name for p in root.iterdir() if p.is_dir()):
        frame = pl.concat([pl.read_parquet(p, hive_partitioning=False) for p in (root / table).rglob("*.parquet")])
        found[table] = frame.sort(frame.columns, nulls_last=True)
    return found


def manifest(root: Path) -> dict:
    return json.loads((root / lake.MANIFEST).read_text())


def partitions(found: dict) -> dict:
    """The manifest's partitions without the times they were written."""
    return {
        table: {key: {k: v for k, v in part.items() if k != "written_at"} for key, part in entry["partitions"].items()}
        for table, entry in found["tables"].items()
    }


def assert_same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), name


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- layout -------------------------------------------------------------------------------------


def test_the_lake_holds_the_warehouse_partitioned_by_day_with_uuids_as_text(demo, demo_lake):
    found = manifest(demo_lake)
    assert found["format"] == lake.FORMAT and found["facts"] is not None
    with duckdb.connect(str(demo), read_only=True) as con:
        counts = {t: con.table(t).count("*").fetchone()[0] for t in [*TABLES, *facts.TABLES]}
    for table, entry in found["tables"].items():
        assert sum(p["rows"] for p in entry["partitions"].values()) == counts[table], table
        for key, part in entry["partitions"].items():
            (name,) = part["files"]
            path = demo_lake / table / name
            schema = pq.read_schema(path)
            assert "day" not in schema.names
            for field in schema:
                assert "uuid" not in str(field.type).lower() and "fixed_size_binary" not in str(field.type)
            if entry["partitioned_by"] and part["rows"]:
                day = key.removeprefix("day=")
                column = pl.read_parquet(path)[entry["partitioned_by"]]
                assert column.dtype == pl.Datetime("us", "UTC")
                assert set(column.dt.date().cast(pl.String)) == {day}
            elif not entry["partitioned_by"]:
                assert key == "" and name == lake.FILE
    assert set(found["tables"]) == {*TABLES, "aibridge_facts", "aibridge_tool_facts"}


def test_a_run_with_nothing_new_rewrites_nothing(demo, demo_lake):
    before = files(demo_lake)
    written = (demo_lake / lake.MANIFEST).stat().st_mtime_ns
    summary = lake.write(demo, demo_lake)
    assert not summary.written and not summary.removed
    assert "nothing new" in summary.describe()
    assert files(demo_lake) == before
    assert (demo_lake / lake.MANIFEST).stat().st_mtime_ns == written


def _fingerprints(rows: list[tuple[str, datetime, str]]) -> dict[str, tuple[int, str]]:
    """The lake's partitions of an interceptions table holding ``rows`` (id, started_at, model)."""
    con = store.configure(duckdb.connect())
    con.execute("CREATE TABLE aibridge_interceptions (id UUID, started_at TIMESTAMPTZ, model VARCHAR)")
    con.executemany("INSERT INTO aibridge_interceptions VALUES (?, ?, ?)", rows)
    wh = Warehouse(con)
    wh.execute_built(
        "view", lake._view("aibridge_interceptions", {"id": "UUID", "started_at": "TIMESTAMPTZ", "model": "VARCHAR"})
    )
    found = {day: (n, fingerprint) for day, n, fingerprint in wh.run("lake/partitions").fetchall()}
    con.close()
    return found


_ROW = st.tuples(
    st.uuids().map(str),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 1, 4), timezones=st.just(UTC)),
    st.sampled_from(["a", "b"]),
)


@settings(max_examples=10, deadline=None)
@given(rows=st.lists(_ROW, min_size=1, max_size=12, unique_by=lambda r: r[0]), data=st.data())
def test_a_partitions_fingerprint_ignores_row_order_and_changes_with_any_row(rows, data):
    found = _fingerprints(rows)
    assert found == _fingerprints(data.draw(st.permutations(rows)))
    assert sum(n for n, _ in found.values()) == len(rows)
    i = data.draw(st.integers(0, len(rows) - 1))
    changed = list(rows)
    changed[i] = (rows[i][0], rows[i][1], "c")
    after = _fingerprints(changed)
    day = rows[i][1].date().isoformat()
    assert after[day] != found[day]
    assert {d: f for d, f in after.items() if d != day} == {d: f for d, f in found.items() if d != day}


def test_the_lakes_sql_is_duckdb_only():
    names = sorted(n for n in catalogue.catalogue() if n.startswith("lake/"))
    assert names == ["lake/partitions", "lake/rows"]
    for name in names:
        assert catalogue.get(name).dialects == ("duckdb",)


# --- reading ------------------------------------------------------------------------------------

COMMANDS = (
    ("summary",),
    ("summary", "--by", "model"),
    ("verify-backfill",),
    ("attribute", "--limit", "0"),
    ("interceptions", "count"),
)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_on_the_lake_answer_as_the_warehouse(demo, demo_lake, command, capsys):
    on_warehouse = answer(capsys, command, demo)
    on_lake = answer(capsys, command, demo_lake)
    assert on_lake == on_warehouse
    assert on_lake[1]


def answer(capsys: pytest.CaptureFixture[str], command: tuple[str, ...], source: Path, *more: str) -> tuple:
    """A command's exit code, JSON answer and messages on ``source``, the source's name left out."""
    code, out, err = cli(capsys, *command, "--source", str(source), "--format", "json", *more)
    found = json.loads(out)
    if isinstance(found, dict):
        found.pop("source", None)
    return code, found, err.replace(str(source), "SOURCE")


def test_the_lake_reads_its_stored_facts(demo_lake):
    with connect(str(demo_lake)) as con:
        assert con.facts == "stored" and con.relations["facts"] == "facts/stored"
        for table, query in (("aibridge_facts", "facts/stored"), ("aibridge_tool_facts", "facts/tool_stored")):
            stored = manifest(demo_lake)["tables"][table]["partitions"].values()
            assert con.query(query).height == sum(p["rows"] for p in stored) > 0
        # The report's tools add up the lake's tool facts, as the same figure computed from its tool calls.
        assert "aibridge_tool_facts" in con.render("report/tools").sql
        inline = con.query("report/tools", relations={"tool_facts": "facts/tool_rows"})
        assert_same_rows(con.query("report/tools"), inline)


# --- incremental --------------------------------------------------------------------------------


#: The days of the demo the incremental tests keep (its last ones): a few partitions per table.
DAYS = 8


def _synced_pair(demo: Path, tmp: Path, first: datetime, second: datetime) -> tuple[Path, Path]:
    """A warehouse synced from the demo's last `DAYS` days as they stood at ``first``, its lake,
    and the warehouse then synced from them as they stood at ``second``."""
    db, root = tmp / "history.duckdb", tmp / "lake"
    since = _start_times(demo)[-1] - timedelta(days=DAYS)
    sync(export_until(demo, tmp / "first", first, since), db)
    lake.write(db, root)
    sync(export_until(demo, tmp / "second", second, since), db)
    return db, root


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.floats(0.2, 0.9), later=st.floats(0.0, 0.3))
def test_a_second_run_rewrites_only_what_changed_and_equals_a_lake_from_scratch(demo, tmp_path_factory, first, later):
    starts = _start_times(demo)
    span = timedelta(days=DAYS)
    cut1 = starts[-1] - span + span * first
    cut2 = min(cut1 + span * later, starts[-1] + timedelta(seconds=1))
    tmp = tmp_path_factory.mktemp("incremental")
    db, root = _synced_pair(demo, tmp, cut1, cut2)
    before_files, before = files(root), contents(root)
    summary = lake.write(db, root)
    after_files = files(root)

    scratch = tmp / "scratch"
    lake.write(db, scratch)
    assert_same(contents(root), contents(scratch))
    assert partitions(manifest(root)) == partitions(manifest(scratch))

    rewritten = {f for f, ident in after_files.items() if before_files.get(f) != ident}
    differing = {f for f, frame in contents(root).items() if f not in before or not before[f].equals(frame)}
    assert rewritten == differing
    assert sum(summary.written.values()) == len(rewritten)
    if cut2 == cut1:
        assert not rewritten and "nothing new" in summary.describe()


# --- atomicity ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def staged(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    """A warehouse one sync ahead of its lake: the lake's files now (old) and the files a run
    would write (new, from a lake written from scratch)."""
    tmp = tmp_path_factory.mktemp("staged")
    starts = _start_times(demo)
    db, root = _synced_pair(demo, tmp, starts[-1] - timedelta(days=DAYS / 2), starts[-1] + timedelta(seconds=1))
    scratch = tmp / "scratch"
    lake.write(db, scratch)
    return db, root, contents(root), contents(scratch)


def _copy_of(root: Path, tmp: Path) -> Path:
    copy = tmp / "lake"
    tmp.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)
    return copy


def assert_each_partition_old_or_new(root: Path, old: dict, new: dict) -> None:
    """Every file holds its old rows or its new rows, whole; the lake still reads."""
    now = contents(root)
    for name, frame in now.items():
        assert (name in old and old[name].equals(frame)) or (name in new and new[name].equals(frame)), name
    rows = sum(f.height for name, f in now.items() if name.startswith("aibridge_interceptions/"))
    with connect(str(root)) as con:
        assert con.row_estimates(["aibridge_interceptions"]) == {"aibridge_interceptions": rows}


@pytest.mark.parametrize("after", [0, 3, 10])
def test_a_run_failing_between_partitions_leaves_each_partition_old_or_new(staged, tmp_path, monkeypatch, after):
    db, original, old, new = staged
    root = _copy_of(original, tmp_path)
    manifest_before = (root / lake.MANIFEST).read_text()
    publish = lake._Partition.publish
    done = []

    def failing(self: lake._Partition) -> None:
        if len(done) == after:
            raise KeyboardInterrupt
        done.append(self.path)
        publish(self)

    monkeypatch.setattr(lake._Partition, "publish", failing)
    with pytest.raises(KeyboardInterrupt):
        lake.write(db, root)
    monkeypatch.undo()
    assert (root / lake.MANIFEST).read_text() == manifest_before
    assert not list(root.rglob("*.tmp"))
    assert_each_partition_old_or_new(root, old, new)
    lake.write(db, root)
    assert_same(contents(root), new)


def test_a_killed_run_leaves_each_partition_whole_and_the_next_run_completes(staged, tmp_path):
    db, original, old, new = staged
    root = _copy_of(original, tmp_path)
    before = files(root)
    run = subprocess.Popen(
        [sys.executable, "-m", "aibridge_analytics", "lake", "--db", str(db), "--to", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed as soon as its first partition is in place: mid-run, between two renames or in a write.
    deadline = time.monotonic() + 60
    while run.poll() is None and files(root) == before and time.monotonic() < deadline:
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert_each_partition_old_or_new(root, old, new)
    lake.write(db, root)
    assert not list(root.rglob("*.tmp"))
    assert_same(contents(root), new)


def test_a_killed_runs_temporary_files_are_ignored_by_readers_and_removed(demo, demo_lake, tmp_path, capsys):
    root = _copy_of(demo_lake, tmp_path)
    partition = next((root / "aibridge_interceptions").glob("day=*"))
    stray = partition / f".{lake.FILE}.99999.tmp"
    stray.write_bytes(b"half a parquet file")
    assert cli(capsys, "interceptions", "count", "--source", str(root), "--format", "json")[0] == 0
    lake.write(demo, root)
    assert not stray.exists()


def _mount_tmpfs(where: Path, size: int) -> None:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a size-limited tmpfs needs root (CI runs as root)")
def test_a_full_disk_is_a_one_line_error_and_the_lake_reads_as_before(staged, tmp_path, capsys):
    db, original, old, new = staged
    disk = tmp_path / "disk"
    size = sum(p.stat().st_size for p in original.rglob("*") if p.is_file())
    _mount_tmpfs(disk, size + 4 * 1024 * 1024)
    try:
        root = disk / "lake"
        subprocess.run(["cp", "-a", str(original), str(root)], check=True)
        manifest_before = (root / lake.MANIFEST).read_text()
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * max(free - 64 * 1024, 0))
        code, out, err = cli(capsys, "lake", "--db", str(db), "--to", str(root))
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and "no space left on device" in err
        assert (root / lake.MANIFEST).read_text() == manifest_before
        assert not list(root.rglob("*.tmp"))
        assert_each_partition_old_or_new(root, old, new)
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# --- bad input ----------------------------------------------------------------------------------


def _refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = cli(capsys, *args)
    assert code == 1 and out == "" and err.count("\n") == 1, err
    return err


def test_bad_input_is_a_one_line_error_and_writes_nothing(demo, demo_lake, tmp_path, capsys):
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database")
    target = tmp_path / "lake"
    assert "cannot open warehouse" in _refused(capsys, "lake", "--db", str(text), "--to", str(target))
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert "aibridge_interceptions" in _refused(capsys, "lake", "--db", str(empty), "--to", str(target))
    assert not target.exists()

    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.txt").write_text("mine")
    assert "neither empty nor a lake" in _refused(capsys, "lake", "--db", str(demo), "--to", str(other))
    assert sorted(p.name for p in other.iterdir()) == ["thesis.txt"]
    assert "not a directory" in _refused(capsys, "lake", "--db", str(demo), "--to", str(text))
    assert "cannot create the lake" in _refused(capsys, "lake", "--db", str(demo), "--to", str(text / "lake"))

    broken = _copy_of(demo_lake, tmp_path / "broken")
    (broken / lake.MANIFEST).write_text("{")
    assert "manifest" in _refused(capsys, "summary", "--source", str(broken))
    assert "manifest" in _refused(capsys, "lake", "--db", str(demo), "--to", str(broken))
    (broken / lake.MANIFEST).write_text(json.dumps({"tables": {}}))
    assert "not a lake's manifest" in _refused(capsys, "summary", "--source", str(broken))
    partial = _copy_of(demo_lake, tmp_path / "partial")
    subprocess.run(["rm", "-r", str(partial / "ai_providers")], check=True)
    assert "incomplete" in _refused(capsys, "summary", "--source", str(partial))


def test_sync_writes_the_lake_after_the_sync(demo, tmp_path, capsys):
    source = export_until(demo, tmp_path / "export", _start_times(demo)[-1] + timedelta(seconds=1))
    db, root = tmp_path / "history.duckdb", tmp_path / "lake"
    code, out, _ = cli(capsys, "sync", "--source", str(source), "--db", str(db), "--lake", str(root))
    assert code == 0 and "wrote lake" in out
    assert lake.is_lake(root)
    lake.write(db, tmp_path / "scratch")
    assert_same(tables(root), tables(tmp_path / "scratch"))


def test_a_lake_is_refused_a_write_while_another_run_holds_it(demo, demo_lake):
    import fcntl

    with open(demo_lake / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(OutputError, match="being written by another process"):
            lake.write(demo, demo_lake)


# --- spark ----------------------------------------------------------------------------------------


@pytest.mark.spark
def test_spark_reads_the_lake_with_the_warehouses_answers(spark_session, demo, tmp_path, capsys):
    # The demo's last three days: few partitions, since Spark's cost here is per file and per job.
    starts = _start_times(demo)
    db, root = tmp_path / "history.duckdb", tmp_path / "lake"
    source = export_until(demo, tmp_path / "export", starts[-1] + timedelta(seconds=1))
    week = starts[-1] - timedelta(days=3)
    for table in ("aibridge_interceptions", *CHILDREN):
        frame = pl.read_parquet(source / f"{table}.parquet")
        key = "started_at" if table == "aibridge_interceptions" else "created_at"
        frame.filter(pl.col(key) >= week).write_parquet(source / f"{table}.parquet")
    sync(source, db)
    lake.write(db, root)
    with connect(str(root), engine="spark") as con:
        assert con.facts == "stored"
    # The summary reads the lake's stored facts; tests/test_spark.py runs the catalogue's other queries.
    assert answer(capsys, ("summary",), root, "--engine", "spark") == answer(capsys, ("summary",), db)
