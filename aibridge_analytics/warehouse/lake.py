"""``aibridge-analytics lake``: a warehouse written as a Parquet lake that Spark and DuckDB read.

The lake is a directory with one subdirectory per table: Coder's tables as the warehouse holds
them (one current row per id; the columns its queries see, so a column the synced source lacked
is left out, as the warehouse hides it) and the stored facts (``aibridge_facts`` and
``aibridge_tool_facts``), refreshed first when stale. The big tables are Hive-partitioned by UTC
day, one Parquet file per partition (``aibridge_interceptions/day=2026-01-31/part-0.parquet``):
interceptions and both facts by
``started_at``, the child tables by their own ``created_at`` (a row's day never moves, and the
rows a sync adds land in the newest days); the small tables are one file (``ai_providers/part-0.parquet``).
A table without rows keeps its columns in an empty file under Hive's NULL partition
(``day=__HIVE_DEFAULT_PARTITION__``). UUIDs and JSON are written as text (Spark cannot read
Parquet's UUID type), times as UTC timestamps.

Each run is incremental: each table's partitions are fingerprinted in the warehouse
(``sql/lake/partitions.sql``: row count and the sum of the rows' hashes) and only those whose
fingerprint differs from the manifest's are rewritten; partitions no longer in the warehouse are
removed. Each partition is written to a hidden temporary sibling and renamed over its file, so a
reader (or a killed run) sees each partition whole, old or new; the next run removes a killed
run's temporary files. ``_manifest.json``, written last and atomically, records per table and
partition the rows, fingerprint and file, with the warehouse's watermarks, the facts' definition
and the tool's version; a reader takes it as the mark of a lake.
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aibridge_analytics import __version__
from aibridge_analytics.coder import TABLES
from aibridge_analytics.errors import OutputError, SourceError, first_line
from aibridge_analytics.outputs.formats import atomic_write
from aibridge_analytics.sources.connection import ENUM_LABELS_META, DuckDBConnection
from aibridge_analytics.warehouse import facts, store
from aibridge_analytics.warehouse.store import Warehouse

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

MANIFEST = "_manifest.json"
#: The layout's version: a lake written in another layout is rewritten whole.
FORMAT = 1
#: The Hive partition key of the partitioned tables, and the file each partition holds.
PARTITION = "day"
FILE = "part-0.parquet"
#: Hive's name for a NULL partition value: where a partitioned table without rows keeps its columns.
EMPTY = "__HIVE_DEFAULT_PARTITION__"
#: The tables partitioned by day, and the column whose UTC day places each row.
PARTITIONED_BY = {
    "aibridge_interceptions": "started_at",
    "aibridge_token_usages": "created_at",
    "aibridge_user_prompts": "created_at",
    "aibridge_tool_usages": "created_at",
    "aibridge_model_thoughts": "created_at",
    **{table: "started_at" for table in facts.TABLES},
}
#: The temporary view of one warehouse table that ``sql/lake/*.sql`` read.
VIEW = "lake_rows"
#: Warehouse types written as text: Spark reads neither Parquet's UUID nor DuckDB's JSON.
_AS_TEXT = ("UUID", "JSON")
_WATERMARK = "sync.watermark."


@dataclass
class LakeSummary:
    """What a lake run did: partitions rewritten and removed per table, and how many were unchanged."""

    lake: str
    written: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    facts: str = ""
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for the command line."""
        if not self.written and not self.removed:
            return f"lake {self.lake} is up to date: nothing new, nothing rewritten ({self.unchanged} partitions)"
        parts = [f"{t.removeprefix('aibridge_')} {n}" for t, n in self.written.items()]
        removed = sum(self.removed.values())
        gone = f"; {removed} partition(s) removed" if removed else ""
        return (
            f"wrote lake {self.lake} in {self.seconds:.1f}s: partitions rewritten: {', '.join(parts) or 'none'}"
            f"{gone}; {self.unchanged} unchanged; {self.facts}"
        )


@dataclass(frozen=True)
class Lake:
    """A lake as a reader sees it (`read`): each table's directory, and what its manifest says."""

    root: Path
    tables: Mapping[str, Path]
    #: Whether the stored facts are in the lake and made by this version's definition.
    facts_stored: bool
    #: What the warehouse recorded that its readers need (`Connection.meta`): the enum labels.
    meta: Mapping[str, str]

    def partitioned(self, table: str) -> bool:
        """Whether ``table``'s files are under ``day=`` directories."""
        return table in PARTITIONED_BY


def is_lake(path: Path) -> bool:
    """Whether ``path`` is a lake directory (one with a manifest)."""
    return path.is_dir() and (path / MANIFEST).is_file()


def read(root: Path) -> Lake:
    """The lake at ``root`` for reading; a manifest that is not one is a one-line SourceError."""
    manifest = _manifest(root)
    if manifest is None:
        raise SourceError(f"{root} is not a lake: it has no {MANIFEST}")
    tables = {t: root / t for t in manifest["tables"] if t in TABLES or t in facts.TABLES}
    missing = [str(p) for p in tables.values() if not p.is_dir()]
    if missing:
        raise SourceError(f"lake {root} is incomplete: {missing[0]} is missing")
    recorded = manifest.get("facts") or {}
    stored = all(t in tables for t in facts.TABLES) and recorded.get("definition") == facts.definition()
    if not stored:
        for table in facts.TABLES:
            tables.pop(table, None)
    return Lake(root, tables, stored, dict(manifest.get("meta") or {}))


def _manifest(root: Path) -> dict[str, Any] | None:
    """The manifest of the lake at ``root`` (None without one); one that cannot be read is a SourceError."""
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read the lake's manifest {path}: {first_line(exc)}") from None
    if not isinstance(found, dict) or not isinstance(found.get("tables"), dict) or found.get("format") is None:
        raise SourceError(f"{path} is not a lake's manifest (no format or tables)")
    return found


def write(
    db: Path | str,
    lake: Path | str,
    *,
    log: Callable[[str], None] | None = None,
) -> LakeSummary:
    """Write the warehouse ``db`` as the lake ``lake``, rewriting only the partitions that changed.

    The stored facts are refreshed first when stale and the warehouse can be written (as any read
    of it does); when they cannot be, the lake is written without them and the summary says why.
    """
    started = time.monotonic()
    db, root = Path(db), Path(lake)
    label = str(db)
    # The warehouse first: a file that is not one leaves no lake directory behind.
    with facts.open_warehouse_source(db, label) as checked:
        stored = checked.facts == "stored"
        facts_note = "facts: stored" if stored else f"facts not written ({checked.facts})"
    old = _target(root)
    raw = store.open_warehouse(db, read_only=True)
    con, wh = DuckDBConnection(raw, label=label), Warehouse(raw)
    summary = LakeSummary(str(root), facts=facts_note)
    with con, _locked(root):
        _clean(root)
        previous = (old or {}).get("tables", {}) if (old or {}).get("format") == FORMAT else {}
        types = _types(wh)
        tables: dict[str, Any] = {}
        for table in [*(t for t in TABLES if t in con.probe.columns), *(facts.TABLES if stored else ())]:
            columns = _columns(con, table, types[table])
            tables[table] = _table(con, wh, root, table, columns, previous.get(table), summary, log)
        for table in set(previous) - set(tables):
            _remove_table(root, table, previous[table], summary)
        meta = con.meta()
        manifest = {
            "format": FORMAT,
            "tool_version": __version__,
            "written_at": _now(),
            "warehouse": str(db.resolve()),
            "watermarks": {k.removeprefix(_WATERMARK): v for k, v in sorted(meta.items()) if k.startswith(_WATERMARK)},
            "facts": {"definition": facts.definition(), "state": meta.get(facts.STATE_KEY)} if stored else None,
            "meta": {k: meta[k] for k in (ENUM_LABELS_META,) if k in meta},
            "tables": tables,
        }
        if old is None or summary.written or summary.removed or _differs(old, manifest):
            atomic_write(root / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
    summary.seconds = time.monotonic() - started
    return summary


def _target(root: Path) -> dict[str, Any] | None:
    """Check that ``root`` may be written as a lake; its manifest, or None for a new lake."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"lake {root} is not a directory")
    if root.is_dir():
        manifest = _manifest(root)
        if manifest is None and any(p for p in root.iterdir() if p.name != ".lock"):
            raise OutputError(f"{root} is neither empty nor a lake (no {MANIFEST}): refusing to write into it")
        return manifest
    try:
        root.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(f"cannot create the lake {root}: {exc.strerror or first_line(exc)}") from None
    return None


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """The lake held by this run: a second writer of the same lake is refused rather than interleaved."""
    try:
        handle = open(root / ".lock", "a")  # noqa: SIM115 - held for the block
    except OSError as exc:
        raise OutputError(f"cannot write the lake {root}: {exc.strerror or first_line(exc)}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"lake {root} is being written by another process; try again when it ends") from None
        yield
    finally:
        handle.close()


def _clean(root: Path) -> None:
    """Remove what a killed run left: its temporary files (readers never read them)."""
    for leftover in root.rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _types(wh: Warehouse) -> dict[str, dict[str, str]]:
    """Each warehouse table's columns and their DuckDB types, in table order."""
    types: dict[str, dict[str, str]] = {}
    for table, column, dtype in wh.run("schema/columns").fetchall():
        types.setdefault(table, {})[column] = str(dtype).upper()
    return types


def _columns(con: DuckDBConnection, table: str, types: Mapping[str, str]) -> dict[str, str]:
    """The columns ``table`` is written with and their warehouse types: Coder's as the warehouse's
    queries see them (declared order, hidden gaps left out), the facts' all of them."""
    if table not in TABLES:
        return dict(types)
    return {c.name: types[c.name] for c in TABLES[table] if con.probe.has(table, c.name) and c.name in types}


def _view(table: str, columns: Mapping[str, str]) -> exp.Create:
    """The temporary view `VIEW` of ``table`` that the lake's SQL reads: the written columns (UUIDs
    and JSON as text), the row's UTC day (NULL for an unpartitioned table) and its time (``at``)."""
    from sqlglot import exp

    projection: list[exp.Expr] = []
    for name, dtype in columns.items():
        value: exp.Expr = exp.column(name, table="t")
        if dtype in _AS_TEXT:
            value = exp.cast(value, exp.DataType.build("VARCHAR"))
        projection.append(exp.alias_(value, name))
    key = PARTITIONED_BY.get(table)
    at: exp.Expr = exp.column(key, table="t") if key else exp.cast(exp.null(), exp.DataType.build("TIMESTAMPTZ"))
    day = exp.cast(exp.cast(at.copy(), exp.DataType.build("DATE")), exp.DataType.build("VARCHAR"))
    projection += [exp.alias_(day, PARTITION), exp.alias_(at, "at")]
    rows = exp.select(*projection).from_(exp.to_table(f"main.{table}").as_("t"))
    temporary = exp.Properties(expressions=[exp.TemporaryProperty()])
    return exp.Create(this=exp.to_table(VIEW), kind="VIEW", replace=True, expression=rows, properties=temporary)


def _table(
    con: DuckDBConnection,
    wh: Warehouse,
    root: Path,
    table: str,
    columns: Mapping[str, str],
    before: Mapping[str, Any] | None,
    summary: LakeSummary,
    log: Callable[[str], None] | None,
) -> dict[str, Any]:
    """Bring ``table``'s partitions up to date (``before``: its manifest entry); its new entry."""
    wh.execute_built(f"lake rows of {table}", _view(table, columns))
    found = {
        (f"{PARTITION}={day}" if table in PARTITIONED_BY else ""): (int(rows), str(fingerprint))
        for day, rows, fingerprint in wh.run("lake/partitions").fetchall()
    }
    if not found:
        # No rows: an empty file keeps the columns (the probe reads them), under Hive's NULL partition.
        found[f"{PARTITION}={EMPTY}" if table in PARTITIONED_BY else ""] = (0, "empty")
    same_layout = before is not None and before.get("columns") == list(columns)
    old = dict(before.get("partitions", {})) if before is not None and same_layout else {}
    partitions: dict[str, Any] = {}
    stale: dict[str, str] = {}
    for key, (rows, fingerprint) in sorted(found.items()):
        relative = f"{key}/{FILE}" if key else FILE
        entry = old.get(key)
        if entry and entry.get("fingerprint") == fingerprint and entry.get("rows") == rows:
            if (root / table / relative).exists():
                partitions[key] = entry
                summary.unchanged += 1
                continue
        stale[key] = relative
        partitions[key] = {"rows": rows, "fingerprint": fingerprint, "files": [relative], "written_at": _now()}
    if stale:
        _rewrite(con, wh, root / table, stale)
        summary.written[table] = len(stale)
        if log:
            log(f"{table}: rewrote {len(stale)} partition(s) of {len(found)}")
    # Partitions of the old layout (another column set) are gone too, not only those without rows now.
    for key, entry in (before or {}).get("partitions", {}).items():
        if key not in partitions:
            _remove_partition(root / table, key, entry)
            summary.removed[table] = summary.removed.get(table, 0) + 1
    return {"partitioned_by": PARTITIONED_BY.get(table), "columns": list(columns), "partitions": partitions}


def _rewrite(con: DuckDBConnection, wh: Warehouse, table_dir: Path, stale: Mapping[str, str]) -> None:
    """Write the partitions ``stale`` (key -> file under ``table_dir``) of the table in `VIEW`, in
    one pass over the warehouse's rows, each file published whole (`_Partition`)."""
    import pyarrow as pa

    days = [key.partition("=")[2] for key in stale if key]
    frames = con.stream("lake/rows", batch_rows=250_000)
    with wh.registered("lake_days", pa.table({PARTITION: pa.array(days, pa.string())})):
        first = next(frames)
        schema = first.drop(PARTITION).to_arrow().schema
        writer: _Partition | None = None
        try:
            for frame in itertools.chain([first], frames):
                for (day,), part in frame.partition_by(PARTITION, maintain_order=True, as_dict=True).items():
                    key = "" if day is None else f"{PARTITION}={day}"
                    if writer is None or writer.key != key:
                        if writer is not None:
                            writer.publish()
                        writer = _Partition(key, table_dir / stale[key], schema)
                    writer.write(part.drop(PARTITION).to_arrow())
            if writer is not None:
                writer.publish()
                writer = None
        finally:
            if writer is not None:
                writer.abandon()
    for key, relative in stale.items():
        if key.endswith(EMPTY) or (not key and first.height == 0):
            # No rows: an empty file of the table's columns.
            empty = _Partition(key, table_dir / relative, schema)
            empty.publish()


class _Partition:
    """One partition's Parquet file being written: to a hidden temporary sibling that `publish`
    renames over the file, so that a reader sees the old file or the new one, whole."""

    def __init__(self, key: str, path: Path, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.key, self.path = key, path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with _writing(path, self.tmp):
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(str(self.tmp), schema)

    def write(self, table: pa.Table) -> None:
        """Append ``table``'s rows."""
        with _writing(self.path, self.tmp):
            self.writer.write_table(table)

    def publish(self) -> None:
        """Close the file, flush it to disk and rename it into place."""
        with _writing(self.path, self.tmp):
            self.writer.close()
            with open(self.tmp, "rb") as written:
                os.fsync(written.fileno())
            os.replace(self.tmp, self.path)

    def abandon(self) -> None:
        """Drop the unfinished file (the partition keeps its old one)."""
        try:
            self.writer.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


@contextmanager
def _writing(path: Path, tmp: Path) -> Iterator[None]:
    """A failed write as a one-line OutputError, the temporary file removed."""
    try:
        yield
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(_failed(path, exc)) from None


def _failed(path: Path, exc: OSError) -> str:
    why = os.strerror(exc.errno) if exc.errno else first_line(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
        why = "no space left on device"
    return f"cannot write the lake's {path}: {why}; every partition stays whole and the manifest as it was"


def _remove_partition(table_dir: Path, key: str, entry: Mapping[str, Any]) -> None:
    """Remove a partition that no longer holds rows: its files, then its directory if empty."""
    for name in entry.get("files", []):
        (table_dir / name).unlink(missing_ok=True)
    if key:
        try:
            (table_dir / key).rmdir()
        except OSError:
            pass  # not empty (a file of another tool's) or already gone: left alone


def _remove_table(root: Path, table: str, entry: Mapping[str, Any], summary: LakeSummary) -> None:
    """Remove a table the warehouse no longer gives the lake (the facts, when they cannot be stored)."""
    for key, part in entry.get("partitions", {}).items():
        _remove_partition(root / table, key, part)
        summary.removed[table] = summary.removed.get(table, 0) + 1
    shutil.rmtree(root / table, ignore_errors=True)


def _differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the manifest says something new beyond its time (a watermark moved, say)."""
    return {k: v for k, v in old.items() if k != "written_at"} != {k: v for k, v in new.items() if k != "written_at"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
