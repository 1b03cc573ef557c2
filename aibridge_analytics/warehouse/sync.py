"""``aibridge-analytics sync``: copy a Coder database into the local warehouse, incrementally.

Coder purges interceptions after 60 days; a warehouse that is synced nightly keeps them for as
long as the analyst wants. What a run does, in order:

1. Probe the source (tables, columns, types) before writing anything: a source that is not a
   Coder database, or has a column of an unexpected type, is a one-line error and the warehouse
   is left as it was.
2. ``ai_providers``: read whole (small, mutable). The warehouse's ``ai_providers`` holds each
   provider's latest state; ``ai_providers_history`` keeps every state observed, with
   ``valid_from`` / ``valid_to`` (the syncs that first saw the state and first saw it replaced)
   and ``observed_at`` (the last sync that saw it), so a provider that is soft-deleted, changes
   type or disappears keeps its earlier state.
3. Each aibridge table of a live database is copied in one DuckDB transaction together with its
   watermark (the newest ``started_at`` / ``created_at`` copied): a run killed at any point
   leaves whole tables and watermarks that describe them, and the next run copies again what the
   killed one had not committed. Reads are unordered, through the attached database (DuckDB
   pushes the watermark filter down to the server and streams the rows straight into the
   table); ordering them, so that batches could carry watermarks, made the server sort tables
   Coder does not index by time and doubled the copy.
4. Each run re-reads an overlap window before the watermark (``overlap``, default one day):
   rows whose transaction committed late, and interceptions that ended since. Interceptions the
   warehouse still has in flight and that are older than the window are re-read by id. Re-read
   rows replace the warehouse's copy (by id; model thoughts by their whole content).
5. Nothing is ever deleted: rows Coder has purged stay.

The warehouse tables a sync creates have no primary-key index. Uniqueness holds by construction
instead: rows beyond a table's watermark are never in the warehouse (they are committed together
with the watermark that covers them), so they are appended as they are; anything at or before it
is replaced by identity. A DuckDB primary key would check every appended row against an ART index,
which made the copy two to three times slower (measured in bench/sync.py). A table that
nevertheless holds rows beyond its watermark (another source was merged in) is merged by identity
for the whole run.

Sources: a live PostgreSQL database (read through DuckDB's postgres extension, see
:mod:`.warehouse.pgattach`; DuckDB scans a table in page ranges over parallel connections sharing
one snapshot, and over one connection on a standby, where the extension cannot share it), or
anything :func:`.sources.kinds` opens (a Parquet directory, a JSON export, another warehouse).
Watermarks are kept for live databases only; a file source is merged whole each time, in
batches (model thoughts, whose identity is their whole content, in one transaction). Columns the
source lacks are stored as NULL (a NOT NULL column gets what Coder's own migration wrote for old
rows: ``provider_name = provider``, cache tokens 0), an existing row keeps the value an earlier
sync gave it, and ``warehouse_meta`` records the columns the source lacked
(``sync.source_missing_columns``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pyarrow as pa

from aibridge_analytics.catalogue import Probe, missing_value
from aibridge_analytics.coder import TABLES, duckdb_ddl
from aibridge_analytics.errors import (
    SourceError,
    UsageError,
    WarehouseError,
    first_line,
    is_interrupt,
)
from aibridge_analytics.outputs.progress import ProgressFn
from aibridge_analytics.sources.connection import (
    ENUM_LABELS_META,
    MISSING_COLUMNS_META,
    MISSING_TABLES_META,
    Connection,
    DuckDBConnection,
    PostgresConnection,
    is_lock_timeout,
    lock_timeout_message,
    redact,
)
from aibridge_analytics.sources.kinds import is_postgres
from aibridge_analytics.warehouse import store

__all__ = ["HISTORY_TABLE", "SyncSummary", "snapshot", "sync"]

HISTORY_TABLE = "ai_providers_history"

#: Test hook: seconds to sleep before each commit, inside its transaction, so a test can kill a
#: sync while a table's rows are written but not committed.
PAUSE_ENV = "AIBRIDGE_SYNC_BATCH_PAUSE"

_META_PREFIX = "sync."


@dataclass(frozen=True)
class _Stream:
    """How one aibridge table is copied: its order (and watermark) key and its row identity."""

    table: str
    key: tuple[str, ...]

    @property
    def unique(self) -> bool:
        """Whether the key identifies a row (else rows sharing a key are committed together)."""
        return "id" in self.key

    @property
    def identity(self) -> tuple[str, ...]:
        return ("id",) if self.unique else tuple(c.name for c in TABLES[self.table])


STREAMS = (
    _Stream("aibridge_interceptions", ("started_at", "id")),
    _Stream("aibridge_token_usages", ("created_at", "id")),
    _Stream("aibridge_user_prompts", ("created_at", "id")),
    _Stream("aibridge_tool_usages", ("created_at", "id")),
    _Stream("aibridge_model_thoughts", ("created_at",)),
)


@dataclass
class SyncSummary:
    """What a sync did: rows written per table, and what the source lacked."""

    source: str
    db: str
    rows: dict[str, int] = field(default_factory=dict)
    missing_columns: list[str] = field(default_factory=list)
    #: Conflicting duplicates of a JSON export that ``keep_latest`` resolved.
    conflicts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for the command line."""
        counts = ", ".join(f"{t.removeprefix('aibridge_')} {n}" for t, n in self.rows.items())
        lacked = f"; source lacks {', '.join(self.missing_columns)}" if self.missing_columns else ""
        kept = f"; kept the latest of {len(self.conflicts)} conflicting duplicates" if self.conflicts else ""
        return f"synced {self.source} into {self.db} in {self.seconds:.1f}s: rows written: {counts}{lacked}{kept}"


def sync(
    source: str | Path,
    db: str | Path,
    *,
    batch_rows: int = 250_000,
    overlap: timedelta = timedelta(days=1),
    keep_latest: bool = False,
    statement_timeout_ms: int = 3_600_000,
    progress: ProgressFn | None = None,
    log: Callable[[str], None] | None = None,
) -> SyncSummary:
    """Copy new and changed rows of ``source`` into the warehouse file ``db`` (created if missing).

    ``source`` is a ``postgresql://`` URL (incremental, see the module docstring), a Parquet
    directory, a JSON export (``keep_latest`` resolves conflicting duplicates, see
    :func:`.exports.connect_export`) or another warehouse. Idempotent: a second run with nothing
    new in the source writes nothing new. ``batch_rows`` is the size of a file source's committed
    batches (a live database commits table by table). ``statement_timeout_ms`` bounds each server statement,
    the streaming reads included, hence the generous default.
    """
    if batch_rows < 1:
        raise UsageError(f"batch_rows must be positive, got {batch_rows}")
    began = time.perf_counter()
    if log is not None:
        log = (lambda line, _log=log: _log(redact(line)))
    with _open_source(str(source), keep_latest, statement_timeout_ms) as src:
        src.probe  # errors about the source come before the warehouse is touched
        _refuse_duplicate_ids(src)
        path = Path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = store.configure(duckdb.connect(str(path)))
            # Each commit is durable in the write-ahead log; checkpointing after every batch (the
            # default threshold is 16 MB) rewrote the tables' blocks again and again and tripled the
            # copy time. One checkpoint at the end instead.
            con.execute("SET checkpoint_threshold = '4GB'")
            # query_progress() (the progress of a table's copy) needs DuckDB to track progress;
            # it must still never print its own bar.
            con.execute("SET enable_progress_bar = true")
            con.execute("SET enable_progress_bar_print = false")
        except duckdb.Error as exc:
            raise SourceError(f"cannot open warehouse {str(path)!r}: {first_line(exc)}") from None
        with _writing(con, path):
            summary = _Run(con, src, str(source), batch_rows, overlap, statement_timeout_ms, progress, log).run()
            con.execute("CHECKPOINT")
    summary.db = str(path)
    summary.seconds = time.perf_counter() - began
    return summary


def snapshot(source: str | Path, *, keep_latest: bool = False) -> DuckDBConnection:
    """The whole of ``source`` read into an in-memory DuckDB warehouse, as a connection.

    For work that reads every row several times (reports, notebooks): one pass over a live
    database, then everything runs locally.
    """
    with _open_source(str(source), keep_latest, 3_600_000) as src:
        con = store.configure(duckdb.connect())
        try:
            with _interrupts():
                _Run(con, src, str(source), 1_000_000, timedelta(0), 3_600_000, None, None).run()
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"copying {src.label} into memory failed: {first_line(exc)}") from None
    return DuckDBConnection(con, label=f"snapshot of {src.label}")


# --- sources -----------------------------------------------------------------------------------


def _open_source(source: str, keep_latest: bool, statement_timeout_ms: int) -> Connection:
    if is_postgres(source):
        return PostgresConnection(source, statement_timeout_ms=statement_timeout_ms)
    from aibridge_analytics.sources.exports import connect_export, is_export

    if is_export(Path(source)):
        return connect_export(source, keep_latest=keep_latest)
    from aibridge_analytics.sources.kinds import connect

    return connect(source)


def _refuse_duplicate_ids(src: Connection) -> None:
    """A file source holding an id twice is refused, naming one: merging it would multiply the rows.

    A live database has primary keys; a Parquet directory or another warehouse may not. Which copy
    is right cannot be told, so none is taken (as with a JSON export's conflicting copies).
    """
    if not isinstance(src, DuckDBConnection):
        return
    for table, cols in TABLES.items():
        if not src.probe.has(table) or "id" not in {c.name for c in cols}:
            continue
        row = src._con.execute(f"SELECT CAST(id AS VARCHAR), count(*) OVER () FROM {table} GROUP BY id "
                              "HAVING count(*) > 1 ORDER BY id LIMIT 1").fetchone()
        if row:
            raise SourceError(f"{src.label}: {table} holds {row[1]} id(s) more than once, such as {row[0]}: "
                              "a source must hold each id once (deduplicate it first)")


@contextmanager
def _interrupts() -> Iterator[None]:
    """An interrupt that DuckDB reports as an error (SIGINT mid-statement) raised as KeyboardInterrupt."""
    try:
        yield
    except Exception as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from None
        raise


@contextmanager
def _writing(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[None]:
    """The sync's writes to the warehouse file: a failure is one line, and the file stays as committed.

    A table's rows and watermark are one transaction, rolled back by DuckDB when anything fails,
    its COMMIT included (a WAL that cannot be written: disk full). What must not follow is a
    checkpoint of the failed connection's state when it is closed: DuckDB checkpoints on shutdown,
    on a disk that is still full. The connection is closed without one; the next run replays the
    write-ahead log, which holds exactly the transactions that committed.
    """
    failed = True
    try:
        with _interrupts():
            yield
        failed = False
    except duckdb.Error as exc:
        raise WarehouseError(f"writing the warehouse {str(path)!r} failed (committed tables stay, the table in "
                             f"progress was rolled back; the next sync copies the rest): {first_line(exc)}") from None
    finally:
        try:
            if failed:
                con.execute("PRAGMA disable_checkpoint_on_shutdown")
            con.close()
        except duckdb.Error:
            pass  # an invalidated database (a failed checkpoint) refuses even this; its log is intact


class _Reader:
    """Runs the copy's SELECTs (SQL both engines accept) on the source, as Arrow batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection, src: Connection, source: str, timeout_ms: int) -> None:
        self.live = isinstance(src, PostgresConnection)
        self.src = src
        self.standby = False
        self.attached = None
        self.label = src.label
        if self.live:
            from aibridge_analytics.sources.live import AttachedPostgres

            self.attached = AttachedPostgres(con, source, timeout_ms)
            # Tables are scanned through the attached catalogue, in the schema the DSN selects
            # (its search_path), which postgres_query would have used.
            row = src._conn.execute("SELECT current_schema(), pg_is_in_recovery()").fetchone()
            src._conn.rollback()
            self.schema = row[0] if row and row[0] else "public"
            self.standby = bool(row and row[1])
            if self.standby:
                # DuckDB scans a table in page ranges over several connections, which share one
                # snapshot only on a primary (the extension exports none on a standby): there a
                # row updated mid-scan could be read twice or not at all. One connection instead.
                con.execute("SET pg_use_ctid_scan = false")
            # Its own cursor: the stream stays open while the warehouse connection commits.
            self.duck = con.cursor()
        else:
            assert isinstance(src, DuckDBConnection)
            self.duck = src._con

    def remote(self, table: str) -> str:
        """DuckDB's name for a live source's ``table``: the attached database, in the session's schema."""
        assert self.attached is not None
        from aibridge_analytics.sources.live import ALIAS

        return f"{ALIAS}.{_ident(self.schema)}.{_ident(table)}"

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        text = self.attached.query_sql(sql) if self.attached else sql
        with self.reading():
            yield from self.duck.execute(text).to_arrow_reader(rows)

    def table(self, sql: str) -> pa.Table:
        text = self.attached.query_sql(sql) if self.attached else sql
        with self.reading():
            return self.duck.execute(text).to_arrow_table()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A failed read of the source as one line, without the password; a lock named."""
        try:
            yield
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.OutOfMemoryException) or "Could not write file" in str(exc):
                raise  # the warehouse's side of the copy (memory limit, disk full): see _writing
            if isinstance(self.src, PostgresConnection) and is_lock_timeout(str(exc)):
                raise SourceError(lock_timeout_message(self.src._conn, self.label)) from None
            raise SourceError(redact(f"reading {self.label} failed: {first_line(exc)}")) from None

    def close(self) -> None:
        if self.attached:
            self.attached.detach()


# --- one run -----------------------------------------------------------------------------------


class _Run:
    def __init__(self, con, src: Connection, source: str, batch_rows: int, overlap: timedelta, timeout_ms: int,
                 progress: ProgressFn | None, log: Callable[[str], None] | None) -> None:
        self.con, self.src, self.batch_rows, self.overlap = con, src, batch_rows, overlap
        self.source, self.timeout_ms = source, timeout_ms
        self.progress = progress or (lambda done, total: None)
        self.log = log or (lambda line: None)
        self.pause = float(os.environ.get(PAUSE_ENV, "0") or 0)
        self.now = datetime.now(timezone.utc)
        self.probe: Probe = src.probe
        self.summary = SyncSummary(source=src.label, db="", missing_columns=self.probe.missing_optional(),
                                   conflicts=list(getattr(src, "conflicts", [])))
        self.done = 0
        self.total = 0
        #: Rows each table is expected to bring (the server planner's estimate for a live source).
        self.estimates: dict[str, int] = {}

    def run(self) -> SyncSummary:
        _prepare_warehouse(self.con)
        reader = _Reader(self.con, self.src, self.source, self.timeout_ms)
        self.live = reader.live
        if reader.standby:
            self.log("the source is a standby (in recovery): each table is read over one connection")
        try:
            self._record_schema()
            self.total = self._estimate(reader)
            self._providers(reader)
            in_flight = self._in_flight() if reader.live else []
            for stream in STREAMS:
                if self.probe.has(stream.table):
                    self._stream(reader, stream)
            self._refresh(reader, in_flight)
            with _transaction(self.con):
                self._set_meta({"last_completed_at": self.now.isoformat()})
        finally:
            reader.close()
        return self.summary

    # -- meta -----------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.con.execute(f"SELECT value FROM {store.META_TABLE} WHERE key = ?", [_META_PREFIX + key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, values: dict[str, str]) -> None:
        """Store sync metadata (inside the caller's transaction)."""
        for key, value in values.items():
            self.con.execute(f"DELETE FROM {store.META_TABLE} WHERE key = ?", [_META_PREFIX + key])
            self.con.execute(f"INSERT INTO {store.META_TABLE} VALUES (?, ?)", [_META_PREFIX + key, value])

    def _record_schema(self) -> None:
        """Record the source and what it lacks; a change of schema re-reads everything once.

        A Coder upgrade that adds a column (provider_id, say) also backfills it in old rows, which
        an incremental read would never see again.
        """
        missing = ",".join(self.summary.missing_columns)
        previous = self._meta("source_missing_columns")
        with _transaction(self.con):
            if previous is not None and previous != missing:
                self.log(f"source schema changed (lacked: {previous or 'nothing'}; now: {missing or 'nothing'}): re-reading every row")
                self.con.execute(f"DELETE FROM {store.META_TABLE} WHERE key LIKE ?", [_META_PREFIX + "watermark.%"])
            self._set_meta({"source": self.src.label, "source_missing_columns": missing,
                            "source_extra_columns": ",".join(self.probe.extra()), "last_started_at": self.now.isoformat()})
            self._record_gaps()

    def _record_gaps(self) -> None:
        """Record what no source synced into this warehouse has had, and the source's enum labels.

        Reads of the warehouse hide those columns and tables (engines.MISSING_*_META), so that it
        verifies as its sources would; a column once provided (a database sync after exports)
        stays visible.
        """
        tables = [t for t in ("ai_providers",) if not self.probe.has(t)]
        for key, lacking in ((MISSING_COLUMNS_META, self.summary.missing_columns), (MISSING_TABLES_META, tables)):
            previous = self._meta(key.removeprefix(_META_PREFIX))
            if previous is not None:
                lacking = [item for item in lacking if item in previous.split(",")]
            self._set_meta({key.removeprefix(_META_PREFIX): ",".join(lacking)})
        labels = self.src.enum_labels()
        if labels is not None:
            self._set_meta({ENUM_LABELS_META.removeprefix(_META_PREFIX): ",".join(labels)})

    def _watermark(self, stream: _Stream) -> tuple | None:
        if not self.live:
            return None
        raw = self._meta(f"watermark.{stream.table}")
        if raw is None:
            return None
        values = json.loads(raw)
        return (datetime.fromisoformat(values[0]), *values[1:])

    # -- progress ---------------------------------------------------------------------------------
    def _estimate(self, reader: _Reader) -> int:
        total = 0
        for stream in STREAMS:
            if not self.probe.has(stream.table):
                continue
            if isinstance(self.src, PostgresConnection):
                # The planner's estimate: counting would scan every table once more.
                row = self.src._conn.execute(
                    "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class WHERE oid = to_regclass(%(t)s)",
                    {"t": stream.table}).fetchone()
                self.src._conn.rollback()
                have = self.con.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0]
                self.estimates[stream.table] = max(int(row[0] if row and row[0] is not None else 0) - have, 0)
            else:
                self.estimates[stream.table] = reader.duck.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0]
        return sum(self.estimates.values())

    def _tick(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        self.progress(self.done, self.total)

    # -- ai_providers -------------------------------------------------------------------------------
    def _providers(self, reader: _Reader) -> None:
        if not self.probe.has("ai_providers"):
            return  # a Coder older than ai_providers (migration 000495)
        cols = [c.name for c in TABLES["ai_providers"]]
        incoming = reader.table(f"SELECT {_select_list('ai_providers', self.probe)} FROM ai_providers")
        if incoming.num_rows == 0 and not reader.live:
            return  # an export has no providers: keep what an earlier sync stored
        changed = " OR ".join(f"h.{c} IS DISTINCT FROM p.{c}" for c in cols if c != "id")
        now = [self.now]
        con = self.con
        with _registered(con, "_providers", incoming), _transaction(con):
            # Close the current version of every provider whose state changed...
            con.execute(f"UPDATE {HISTORY_TABLE} AS h SET valid_to = ? WHERE valid_to IS NULL AND EXISTS "
                        f"(SELECT 1 FROM _providers AS p WHERE p.id = h.id AND ({changed}))", now)
            if reader.live:
                # ...or that the live database no longer has (hard-deleted).
                con.execute(f"UPDATE {HISTORY_TABLE} SET valid_to = ? WHERE valid_to IS NULL "
                            "AND id NOT IN (SELECT CAST(id AS UUID) FROM _providers)", now)
            con.execute(f"UPDATE {HISTORY_TABLE} SET observed_at = ? WHERE valid_to IS NULL "
                        "AND id IN (SELECT CAST(id AS UUID) FROM _providers)", now)
            select = ", ".join(f"p.{c}" for c in cols)
            con.execute(f"INSERT INTO {HISTORY_TABLE} ({', '.join(cols)}, valid_from, valid_to, observed_at) "
                        f"SELECT {select}, ?, NULL, ? FROM _providers AS p WHERE NOT EXISTS "
                        f"(SELECT 1 FROM {HISTORY_TABLE} AS h WHERE h.id = p.id AND h.valid_to IS NULL)", now * 2)
            con.execute("DELETE FROM ai_providers WHERE id IN (SELECT CAST(id AS UUID) FROM _providers)")
            con.execute(f"INSERT INTO ai_providers ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _providers")
            if reader.live:
                # A provider the database no longer has was hard-deleted since the last sync: kept
                # for its history, but no longer live (its name may be taken again), gone by now.
                con.execute("UPDATE ai_providers SET deleted = true, enabled = false, updated_at = ? WHERE NOT deleted "
                            "AND id NOT IN (SELECT CAST(id AS UUID) FROM _providers)", now)
        self.summary.rows["ai_providers"] = incoming.num_rows

    # -- streams ------------------------------------------------------------------------------------
    def _stream(self, reader: _Reader, stream: _Stream) -> None:
        self.summary.rows[stream.table] = 0
        if reader.live:
            self._copy_live(reader, stream)
        else:
            self._copy_file(reader, stream)

    def _copy_live(self, reader: _Reader, stream: _Stream) -> None:
        """One table of a live database, in one transaction together with its watermark.

        Unordered reads through the attached database: an ORDER BY made the server sort tables
        that have no index on the key, which doubled its reading time. Rows in the overlap window
        (at or before the old watermark) may be in the warehouse already and replace it by
        identity; newer rows are appended as they come, DuckDB reading them straight from the
        server without a trip through Python.
        """
        key = stream.key[0]
        watermark = self._watermark(stream)
        mark = watermark[0] if watermark else None
        merge_all = self._has_rows_beyond(stream, watermark)
        rows = f"SELECT {_select_list(stream.table, self.probe)} FROM {reader.remote(stream.table)}"
        newer, params = (f"{rows} WHERE {key} > ?", [mark]) if mark else (rows, [])
        con = self.con
        written = 0
        with _transaction(con):
            if mark is not None:
                with reader.reading():
                    con.execute(f"CREATE TEMP TABLE _batch AS {rows} WHERE {key} >= ? AND {key} <= ?",
                                [mark - self.overlap, mark])
                written += self._write(stream, merge=True)
                con.execute("DROP TABLE _batch")
            if merge_all:
                with reader.reading(), self._watching(stream):
                    con.execute(f"CREATE TEMP TABLE _batch AS {newer}", params)
                written += self._write(stream, merge=True)
                newest = _newest(con, "_batch", key)
                con.execute("DROP TABLE _batch")
            else:
                cols = ", ".join(c.name for c in TABLES[stream.table])
                with reader.reading(), self._watching(stream):
                    inserted = con.execute(f"INSERT INTO {stream.table} ({cols}) {newer}", params).fetchall()
                written += inserted[0][0]
                # Nothing lay beyond the old watermark before this insert (merge_all is false).
                newest = _newest(con, stream.table, key)
            newest = max((m for m in (newest, mark) if m is not None), default=None)
            if newest is not None:
                self._set_meta({f"watermark.{stream.table}": json.dumps([newest.isoformat()])})
            self._before_commit(stream, written)
        self._committed(stream, written, newest)

    def _copy_file(self, reader: _Reader, stream: _Stream) -> None:
        """One table of a file source, batch by batch; a file source is merged whole each run.

        Model thoughts are merged in one transaction instead: their identity is their whole
        content, and a batch merged on its own would replace every copy of a thought whose
        identical twin comes in a later batch, which then replaces the first copy again (two
        identical thoughts became one).
        """
        merge = self._has_rows_beyond(stream, None)
        sql = f"SELECT {_select_list(stream.table, self.probe)} FROM {stream.table}"
        if stream.unique or not merge:
            for batch in reader.batches(sql, self.batch_rows):
                self._committed(stream, self._write_batch(stream, batch, merge), None)
            return
        cols = ", ".join(c.name for c in TABLES[stream.table])
        con = self.con
        with _transaction(con):
            con.execute(f"CREATE TEMP TABLE _batch AS SELECT {cols} FROM {stream.table} LIMIT 0")
            for batch in reader.batches(sql, self.batch_rows):
                with _registered(con, "_arrow", pa.Table.from_batches([batch])):
                    con.execute(f"INSERT INTO _batch SELECT {cols} FROM _arrow")
            written = self._write(stream, merge=True)
            con.execute("DROP TABLE _batch")
            self._before_commit(stream, written)
        self._committed(stream, written, None)

    def _write_batch(self, stream: _Stream, batch: pa.RecordBatch, merge: bool) -> int:
        """Write one Arrow batch into the stream's table in a transaction of its own."""
        with _registered(self.con, "_batch", pa.Table.from_batches([batch])), _transaction(self.con):
            written = self._write(stream, merge)
            self._before_commit(stream, written)
        return written

    def _has_rows_beyond(self, stream: _Stream, watermark: tuple | None) -> bool:
        where, params = (f" WHERE {stream.key[0]} > ?", [watermark[0]]) if watermark else ("", [])
        return self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {stream.table}{where})", params).fetchone()[0]

    def _write(self, stream: _Stream, merge: bool) -> int:
        """Write the rows of ``_batch`` into the stream's table (inside the caller's transaction)."""
        if merge:
            self._merge(stream.table, stream.identity)
        else:
            cols = ", ".join(c.name for c in TABLES[stream.table])
            self.con.execute(f"INSERT INTO {stream.table} ({cols}) SELECT {cols} FROM _batch")
        return self.con.execute("SELECT count(*) FROM _batch").fetchone()[0]

    def _before_commit(self, stream: _Stream, rows: int) -> None:
        self.log(f"{stream.table}: {rows} rows written, committing")
        if self.pause:
            time.sleep(self.pause)  # the kill test's window: inside the open transaction

    def _committed(self, stream: _Stream, rows: int, newest: datetime | None) -> None:
        self.summary.rows[stream.table] += rows
        self._tick(rows)
        up_to = f", up to {newest.isoformat()}" if newest else ""
        self.log(f"{stream.table}: {rows} rows committed{up_to}")

    @contextmanager
    def _watching(self, stream: _Stream) -> Iterator[None]:
        """Progress while one statement copies a table: DuckDB's own estimate, polled."""
        expected = self.estimates.get(stream.table, 0)
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(0.5):
                try:
                    share = self.con.query_progress()
                except duckdb.Error:
                    continue  # between statements: nothing to report
                if share >= 0 and expected:
                    self.progress(self.done + int(expected * min(share, 100) / 100), self.total)

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()

    def _merge(self, table: str, identity: tuple[str, ...]) -> None:
        """Replace the warehouse's copies of the rows in ``_batch`` (inside the caller's transaction).

        A column the source lacks keeps the value the warehouse already had: an export carries no
        provider_id, and must not erase the one a database sync stored.
        """
        cols = [c.name for c in TABLES[table]]
        lacking = {m.split(".", 1)[1] for m in self.summary.missing_columns if m.startswith(table + ".")}
        listed = ", ".join(cols)
        if identity == ("id",):
            types = {c.name: c.duckdb for c in TABLES[table]}
            select = ", ".join(f"COALESCE(o.{c}, CAST(n.{c} AS {types[c]})) AS {c}" if c in lacking
                               else f"CAST(n.{c} AS {types[c]}) AS {c}" for c in cols)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE _staged AS SELECT {select} FROM _batch AS n "
                             f"LEFT JOIN {table} AS o ON o.id = n.id")
            self.con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM _staged)")
            self.con.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM _staged")
            self.con.execute("DROP TABLE _staged")
        else:
            same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM {table}.{c}" for c in identity)
            self.con.execute(f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM _batch AS n WHERE {same})")
            self.con.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM _batch")

    def _in_flight(self) -> list[str]:
        """Interceptions in flight in the warehouse that the overlap window will not re-read."""
        watermark = self._watermark(STREAMS[0])
        if watermark is None:
            return []
        rows = self.con.execute(f"SELECT id FROM {STREAMS[0].table} WHERE ended_at IS NULL AND started_at < ? "
                                "ORDER BY id", [watermark[0] - self.overlap]).fetchall()
        return [str(r[0]) for r in rows]

    def _refresh(self, reader: _Reader, ids: list[str]) -> None:
        """Re-read interceptions by id (those in flight at the last sync: they may have ended)."""
        stream = STREAMS[0]
        select = _select_list(stream.table, self.probe)
        for start in range(0, len(ids), 1000):
            # Literal UUIDs read back from a UUID column: safe to inline.
            listed = ", ".join(f"'{i}'" for i in ids[start:start + 1000])
            for batch in reader.batches(f"SELECT {select} FROM {stream.table} WHERE id IN ({listed})", self.batch_rows):
                self._write_batch(stream, batch, merge=True)


def _select_list(table: str, probe: Probe) -> str:
    """The copy's SELECT list: every declared column, the ones the source lacks filled in.

    Built from the schema declaration only; the same SQL runs on PostgreSQL and DuckDB.
    """
    parts = []
    for c in TABLES[table]:
        expr = c.name if probe.has(table, c.name) else missing_value(table, c.name)
        parts.append(c.name if expr == c.name else f"CAST({expr} AS {c.duckdb}) AS {c.name}")
    return ", ".join(parts)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _newest(con: duckdb.DuckDBPyConnection, table: str, key: str) -> datetime | None:
    """The largest ``key`` in ``table``, as microseconds: DuckDB's own TIMESTAMPTZ conversion needs pytz."""
    micros = con.execute(f"SELECT epoch_us(MAX({key})) FROM {table}").fetchall()[0][0]
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


def _ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One warehouse transaction: committed when the block ends, rolled back on any error or interrupt."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` readable as the view ``name`` for the length of the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the sync's tables if missing (one transaction); refuse a demo warehouse."""
    kind = None
    if con.execute(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{store.META_TABLE}'").fetchone()[0]:
        row = con.execute(f"SELECT value FROM {store.META_TABLE} WHERE key = 'kind'").fetchone()
        kind = row[0] if row else None
    if kind not in (None, "sync"):
        raise UsageError(f"the warehouse was built by `{kind}`, not by sync: sync into a new --db file")
    with _transaction(con):
        for table, cols in TABLES.items():
            if table == "ai_providers":
                con.execute(duckdb_ddl(table))
            else:
                # No primary key on the streamed tables: see the module docstring.
                body = ", ".join(f"{c.name} {c.duckdb}{'' if c.nullable else ' NOT NULL'}" for c in cols)
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
        history = ", ".join(f"{c.name} {c.duckdb}{'' if c.nullable else ' NOT NULL'}" for c in TABLES["ai_providers"])
        con.execute(f"CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} ({history}, valid_from TIMESTAMPTZ NOT NULL, "
                    "valid_to TIMESTAMPTZ, observed_at TIMESTAMPTZ NOT NULL)")
        store.create_schema(con)
        if kind is None:
            con.execute(f"INSERT INTO {store.META_TABLE} VALUES ('kind', 'sync')")
