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
   ``users`` (only id, username, name and deleted: the names shown beside initiator ids) is read
   whole too, where the source has it, and merged by id.
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
:mod:`.sources.live`; DuckDB scans a table in page ranges over parallel connections sharing
one snapshot, and over one connection on a standby, where the extension cannot share it), or
anything :func:`.sources.kinds` opens (a Parquet directory, a JSON export, another warehouse).
Watermarks are kept for live databases only; a file source is merged whole each time, in
batches (model thoughts, whose identity is their whole content, in one transaction). Columns the
source lacks are stored as NULL (a NOT NULL column gets what Coder's own migration wrote for old
rows: ``provider_name = provider``, cache tokens 0), an existing row keeps the value an earlier
sync gave it, and ``warehouse_meta`` records the columns the source lacked
(``sync.source_missing_columns``).

Every statement runs through `store.Warehouse`: a catalogue file under ``sql/warehouse/``, or a
statement of `.statements` built with sqlglot (those that depend on the table or on the columns
the source has), values bound.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from aibridge_analytics.catalogue import Probe
from aibridge_analytics.coder import LOOKUP_TABLES, TABLES, duckdb_ddl
from aibridge_analytics.errors import (
    SourceError,
    UsageError,
    WarehouseError,
    first_line,
)
from aibridge_analytics.outputs.progress import ProgressFn, StepFn
from aibridge_analytics.sources.connection import (
    ENUM_LABELS_META,
    MISSING_COLUMNS_META,
    MISSING_TABLES_META,
    Connection,
    CopyReader,
    DuckDBConnection,
    PostgresConnection,
    redact,
)
from aibridge_analytics.sources.kinds import is_postgres
from aibridge_analytics.warehouse import facts, store
from aibridge_analytics.warehouse import statements as sql
from aibridge_analytics.warehouse.store import HISTORY_TABLE, Warehouse

__all__ = ["HISTORY_TABLE", "SyncSummary", "snapshot", "sync"]

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
    #: What the refresh of the stored facts did.
    facts: str = ""

    def describe(self) -> str:
        """One line for the command line."""
        counts = ", ".join(f"{t.removeprefix('aibridge_')} {n}" for t, n in self.rows.items())
        lacked = f"; source lacks {', '.join(self.missing_columns)}" if self.missing_columns else ""
        kept = f"; kept the latest of {len(self.conflicts)} conflicting duplicates" if self.conflicts else ""
        facts = f"; {self.facts}" if self.facts else ""
        return (
            f"synced {self.source} into {self.db} in {self.seconds:.1f}s: rows written: {counts}{lacked}{kept}{facts}"
        )


def sync(
    source: str | Path,
    db: str | Path,
    *,
    batch_rows: int = 250_000,
    overlap: timedelta = timedelta(days=1),
    keep_latest: bool = False,
    statement_timeout_ms: int = 3_600_000,
    progress: ProgressFn | None = None,
    facts_progress: StepFn | None = None,
    log: Callable[[str], None] | None = None,
) -> SyncSummary:
    """Copy new and changed rows of ``source`` into the warehouse file ``db`` (created if missing).

    ``source`` is a ``postgresql://`` URL (incremental, see the module docstring), a Parquet
    directory, a JSON export (``keep_latest`` resolves conflicting duplicates, see
    :func:`.exports.connect_export`) or another warehouse. Idempotent: a second run with nothing
    new in the source writes nothing new. ``batch_rows`` is the size of a file source's committed
    batches (a live database commits table by table). ``statement_timeout_ms`` bounds each server statement,
    the streaming reads included, hence the generous default. ``progress`` hears of the rows
    copied; ``facts_progress`` of the refresh of the facts at the end (`facts.refresh`).
    """
    if batch_rows < 1:
        raise UsageError(f"batch_rows must be positive, got {batch_rows}")
    began = time.perf_counter()
    if log is not None:
        log = _redacting(log)
    with _open_source(str(source), keep_latest, statement_timeout_ms) as src:
        _ = src.probe  # errors about the source come before the warehouse is touched
        _refuse_duplicate_ids(src)
        path = Path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            warehouse = Warehouse(store.configure(duckdb.connect(str(path))))
            warehouse.run("warehouse/settings/checkpoint_rarely")
            # query_progress() (the progress of a table's copy) needs DuckDB to track progress;
            # it must still never print its own bar.
            warehouse.run("warehouse/settings/track_progress")
            warehouse.run("warehouse/settings/no_progress_print")
        except duckdb.Error as exc:
            raise SourceError(f"cannot open warehouse {str(path)!r}: {first_line(exc)}") from None
        failure = (
            f"writing the warehouse {str(path)!r} failed (committed tables stay, the table in "
            "progress was rolled back; the next sync copies the rest)"
        )
        with store.writes(warehouse, failure):
            summary = _Run(warehouse, src, batch_rows, overlap, progress, log, facts_progress).run()
            warehouse.con.checkpoint()
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
            with store.interrupts():
                _Run(Warehouse(con), src, 1_000_000, timedelta(0), None, None).run()
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"copying {src.label} into memory failed: {first_line(exc)}") from None
    return DuckDBConnection(con, label=f"snapshot of {src.label}")


# --- sources -----------------------------------------------------------------------------------


def _redacting(log: Callable[[str], None]) -> Callable[[str], None]:
    """``log`` with every line's passwords masked."""

    def redacted(line: str) -> None:
        log(redact(line))

    return redacted


def _open_source(source: str, keep_latest: bool, statement_timeout_ms: int) -> Connection:
    if is_postgres(source):
        return PostgresConnection(source, statement_timeout_ms=statement_timeout_ms)
    from aibridge_analytics.sources.exports import connect_export, is_export

    if is_export(Path(source)):
        return connect_export(source, keep_latest=keep_latest)
    from aibridge_analytics.sources.kinds import connect

    return connect(source)


def _refuse_duplicate_ids(src: Connection) -> None:
    """A source holding an id twice is refused, naming one: merging it would multiply the rows.

    A live database has primary keys; a Parquet directory or another warehouse may not. Which copy
    is right cannot be told, so none is taken (as with a JSON export's conflicting copies).
    """
    found = src.duplicate_ids()
    if found:
        table, first_id, ids = found[0]
        raise SourceError(
            f"{src.label}: {table} holds {ids} id(s) more than once, such as {first_id}: "
            "a source must hold each id once (deduplicate it first)"
        )


# --- one run -----------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        warehouse: Warehouse,
        src: Connection,
        batch_rows: int,
        overlap: timedelta,
        progress: ProgressFn | None,
        log: Callable[[str], None] | None,
        facts_progress: StepFn | None = None,
    ) -> None:
        self.wh, self.src, self.batch_rows, self.overlap = warehouse, src, batch_rows, overlap
        self.progress = progress or (lambda done, total: None)
        self.facts_progress = facts_progress
        self.log = log or (lambda line: None)
        self.now = datetime.now(UTC)
        self.probe: Probe = src.probe
        self.summary = SyncSummary(
            source=src.label,
            db="",
            missing_columns=self.probe.missing_optional(),
            conflicts=list(getattr(src, "conflicts", [])),
        )
        self.done = 0
        self.total = 0
        self.facts_stored = False
        #: Rows each table is expected to bring (the server planner's estimate for a live source).
        self.estimates: dict[str, int] = {}

    def run(self) -> SyncSummary:
        _prepare_warehouse(self.wh)
        # Without stored facts the refresh at the end builds them whole: nothing to mark.
        self.facts_stored = all(self.wh.value("schema/has_table", {"table": t}) for t in facts.TABLES)
        reader = self.src.copy_reader(self.wh.con)
        if reader.standby:
            self.log("the source is a standby (in recovery): each table is read over one connection")
        try:
            self._record_schema()
            self.total = self._estimate()
            self._providers(reader)
            self._users()
            in_flight = self._in_flight()
            for stream in STREAMS:
                if self.probe.has(stream.table):
                    self._stream(reader, stream)
            self._refresh(reader, in_flight)
            # The facts of every interception this run wrote, recomputed in one transaction; a run
            # killed before leaves them marked changed, so no figure reads them stale.
            self.log("facts: refreshing")
            self.summary.facts = facts.refresh(self.wh, self.probe_of_warehouse(), progress=self.facts_progress)
            self.log(self.summary.facts)
            with self.wh.transaction():
                self._set_meta({"last_completed_at": self.now.isoformat()})
        finally:
            reader.close()
        return self.summary

    def probe_of_warehouse(self) -> Probe:
        """The warehouse's tables as its readers see them (what no source provided hidden)."""
        return DuckDBConnection(self.wh.con).probe

    # -- meta -----------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        value = self.wh.value("warehouse/meta/get", {"key": _META_PREFIX + key})
        return None if value is None else str(value)

    def _set_meta(self, values: dict[str, str]) -> None:
        """Store sync metadata (inside the caller's transaction)."""
        for key, value in values.items():
            self.wh.run("warehouse/meta/set", {"key": _META_PREFIX + key, "value": value})

    def _record_schema(self) -> None:
        """Record the source and what it lacks; a change of schema re-reads everything once.

        A Coder upgrade that adds a column (provider_id, say) also backfills it in old rows, which
        an incremental read would never see again.
        """
        missing = ",".join(self.summary.missing_columns)
        previous = self._meta("source_missing_columns")
        with self.wh.transaction():
            if previous is not None and previous != missing:
                self.log(
                    f"source schema changed (lacked: {previous or 'nothing'}; now: {missing or 'nothing'}): "
                    "re-reading every row"
                )
                self.wh.run("warehouse/meta/forget", {"pattern": _META_PREFIX + "watermark.%"})
            self._set_meta(
                {
                    "source": self.src.label,
                    "source_missing_columns": missing,
                    "source_extra_columns": ",".join(self.probe.extra()),
                    "last_started_at": self.now.isoformat(),
                }
            )
            self._record_gaps()

    def _record_gaps(self) -> None:
        """Record what no source synced into this warehouse has had, and the source's enum labels.

        Reads of the warehouse hide those columns and tables (connection.MISSING_*_META), so that it
        verifies as its sources would; a column once provided (a database sync after exports)
        stays visible.
        """
        tables = [t for t in ("ai_providers", *LOOKUP_TABLES) if not self.probe.has(t)]
        for key, lacking in ((MISSING_COLUMNS_META, self.summary.missing_columns), (MISSING_TABLES_META, tables)):
            previous = self._meta(key.removeprefix(_META_PREFIX))
            if previous is not None:
                lacking = [item for item in lacking if item in previous.split(",")]
            self._set_meta({key.removeprefix(_META_PREFIX): ",".join(lacking)})
        labels = self.src.enum_labels()
        if labels is not None:
            self._set_meta({ENUM_LABELS_META.removeprefix(_META_PREFIX): ",".join(labels)})

    def _watermark(self, stream: _Stream) -> datetime | None:
        """The newest key of ``stream`` copied from a live source (a file source has none)."""
        if not self.src.live:
            return None
        raw = self._meta(f"watermark.{stream.table}")
        return None if raw is None else datetime.fromisoformat(json.loads(raw)[0])

    # -- progress ---------------------------------------------------------------------------------
    def _estimate(self) -> int:
        """Rows the run expects to write; a live source's tables are estimated by its planner, less
        what the warehouse already holds (only what is new is read, less the overlap)."""
        tables = [stream.table for stream in STREAMS if self.probe.has(stream.table)]
        for table, rows in self.src.row_estimates(tables).items():
            if self.src.live:
                rows = max(rows - self.wh.built_value(f"rows of {table}", sql.count(table)), 0)
            self.estimates[table] = rows
        return sum(self.estimates.values())

    def _tick(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        self.progress(self.done, self.total)

    # -- ai_providers -------------------------------------------------------------------------------
    def _providers(self, reader: CopyReader) -> None:
        if not self.probe.has("ai_providers"):
            return  # a Coder older than ai_providers (migration 000495)
        incoming = reader.whole(
            "read ai_providers", sql.select_rows("ai_providers", self.probe, reader.table("ai_providers"))
        )
        if incoming.num_rows == 0 and not self.src.live:
            return  # an export has no providers: keep what an earlier sync stored
        now = {"now": self.now}
        with self.wh.registered("_providers", incoming), self.wh.transaction():
            # Close the current version of every provider whose state changed...
            self.wh.run("warehouse/providers/close_changed", now)
            if self.src.live:
                # ...or that the live database no longer has (hard-deleted).
                self.wh.run("warehouse/providers/close_removed", now)
            self.wh.run("warehouse/providers/observe", now)
            self.wh.run("warehouse/providers/open", now)
            self.wh.run("warehouse/providers/remove_incoming")
            self.wh.run("warehouse/providers/insert_incoming")
            if self.src.live:
                self.wh.run("warehouse/providers/retire", now)
        self.summary.rows["ai_providers"] = incoming.num_rows

    # -- lookup tables: users, ai_model_prices ------------------------------------------------------
    def _users(self) -> None:
        """Coder's lookup tables (`LOOKUP_TABLES`): each read whole, merged by id.

        Of users only id, username, name and deleted are read. Names and prices are reference:
        each sync keeps the latest, and a row the source no longer has (or that a later export
        does not mention) keeps the row an earlier sync stored. A column the source lacks (an
        export's ``deleted``) keeps the value the warehouse had.
        """
        for table in LOOKUP_TABLES:
            if not self.probe.has(table):
                continue  # no grant, an export without usernames, a Parquet directory without the file
            lacking = {m.split(".", 1)[1] for m in self.summary.missing_columns if m.startswith(f"{table}.")}
            # Through the source's own session, not the attached database: DuckDB's postgres extension
            # scans by ctid ranges, which a column grant (the deployment guide's, on users) refuses.
            read = sql.select_rows(table, self.probe, exp.to_table(table))
            incoming = self.src.run(self.src.built(f"read {table}", read)).to_arrow()
            with self.wh.registered(sql.BATCH, incoming), self.wh.transaction():
                for name, tree in sql.merge_by_id(table, lacking):
                    self.wh.execute_built(name, tree)
            self.summary.rows[table] = incoming.num_rows

    # -- streams ------------------------------------------------------------------------------------
    def _stream(self, reader: CopyReader, stream: _Stream) -> None:
        self.summary.rows[stream.table] = 0
        if self.src.live:
            self._copy_live(reader, stream)
        else:
            self._copy_file(reader, stream)

    def _copy_live(self, reader: CopyReader, stream: _Stream) -> None:
        """One table of a live database, in one transaction together with its watermark.

        Unordered reads through the attached database: an ORDER BY made the server sort tables
        that have no index on the key, which doubled its reading time. Rows in the overlap window
        (at or before the old watermark) may be in the warehouse already and replace it by
        identity; newer rows are appended as they come, DuckDB reading them straight from the
        server without a trip through Python.
        """
        table, key = stream.table, stream.key[0]
        mark = self._watermark(stream)
        merge_all = self._has_rows_beyond(stream, mark)
        rows = sql.select_rows(table, self.probe, reader.table(table))
        newer, params = (sql.after(rows.copy(), table, key), {"mark": mark}) if mark else (rows, {})
        written = 0
        with self.wh.transaction():
            if mark is not None:
                window = sql.within(rows.copy(), table, key)
                with reader.reading():
                    self.wh.execute_built(
                        f"read {table}'s overlap",
                        sql.create_batch(window),
                        {"since": mark - self.overlap, "until": mark},
                    )
                written += self._write(stream, merge=True)
                self.wh.execute_built("drop the batch", sql.drop())
            if merge_all:
                with reader.reading(), self._watching(stream):
                    self.wh.execute_built(f"read {table}", sql.create_batch(newer), params)
                written += self._write(stream, merge=True)
                newest = self._newest(sql.BATCH, key)
                self.wh.execute_built("drop the batch", sql.drop())
            else:
                with reader.reading(), self._watching(stream):
                    written += self.wh.built_value(f"copy {table}", sql.insert(table, newer), params)
                # Nothing lay beyond the old watermark before this insert (merge_all is false).
                newest = self._newest(table, key)
                if self.facts_stored and table in sql.FACT_INPUTS:
                    appended = sql.mark_changed(table, table, key if mark else None)
                    self.wh.execute_built(f"mark the facts of {table}'s new rows", appended, params)
            newest = max((m for m in (newest, mark) if m is not None), default=None)
            if newest is not None:
                self._set_meta({f"watermark.{table}": json.dumps([newest.isoformat()])})
            self._before_commit(stream, written)
        self._committed(stream, written, newest)

    def _copy_file(self, reader: CopyReader, stream: _Stream) -> None:
        """One table of a file source, batch by batch; a file source is merged whole each run.

        Model thoughts are merged in one transaction instead: their identity is their whole
        content, and a batch merged on its own would replace every copy of a thought whose
        identical twin comes in a later batch, which then replaces the first copy again (two
        identical thoughts became one).
        """
        table = stream.table
        merge = self._has_rows_beyond(stream, None)
        rows = sql.select_rows(table, self.probe, reader.table(table))
        batches = reader.batches(f"read {table}", rows, None, self.batch_rows)
        if stream.unique or not merge:
            for batch in batches:
                self._committed(stream, self._write_batch(stream, batch, merge), None)
            return
        with self.wh.transaction():
            self.wh.execute_built("create the batch", sql.empty_batch(table))
            for batch in batches:
                with self.wh.registered("_arrow", pa.Table.from_batches([batch])):
                    self.wh.execute_built("collect the batch", sql.insert_from(table, "_arrow", sql.BATCH))
            written = self._write(stream, merge=True)
            self.wh.execute_built("drop the batch", sql.drop())
            self._before_commit(stream, written)
        self._committed(stream, written, None)

    def _write_batch(self, stream: _Stream, batch: pa.RecordBatch, merge: bool) -> int:
        """Write one Arrow batch into the stream's table in a transaction of its own."""
        with self.wh.registered(sql.BATCH, pa.Table.from_batches([batch])), self.wh.transaction():
            written = self._write(stream, merge)
            self._before_commit(stream, written)
        return written

    def _has_rows_beyond(self, stream: _Stream, mark: datetime | None) -> bool:
        """Whether the stream's table holds rows beyond ``mark`` (any rows, without one)."""
        tree = sql.has_rows(stream.table, stream.key[0], beyond=mark is not None)
        params = {"mark": mark} if mark is not None else None
        return bool(self.wh.built_value(f"rows beyond {stream.table}'s watermark", tree, params))

    def _write(self, stream: _Stream, merge: bool) -> int:
        """Write the rows of ``_batch`` into the stream's table (inside the caller's transaction),
        and mark their interceptions' facts changed in the same transaction."""
        marks = self.facts_stored and stream.table in sql.FACT_INPUTS
        if merge:
            self._merge(stream, mark=marks)
        else:
            self.wh.execute_built(f"append to {stream.table}", sql.insert_from(stream.table))
            if marks:
                self.wh.execute_built(f"mark the facts of {stream.table}'s batch", sql.mark_changed(stream.table))
        return int(self.wh.built_value("count the batch", sql.count()))

    def _before_commit(self, stream: _Stream, rows: int) -> None:
        self.log(f"{stream.table}: {rows} rows written, committing")

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
                    share = self.wh.con.query_progress()
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

    def _merge(self, stream: _Stream, *, mark: bool = False) -> None:
        """Replace the warehouse's copies of the rows in ``_batch`` (inside the caller's transaction).

        By id where rows have one; a column the source lacks keeps the value the warehouse already
        had. Model thoughts by their whole content. ``mark``: record the interceptions whose rows
        the merge changes, for the stored facts.
        """
        table = stream.table
        if stream.unique:
            lacking = {m.split(".", 1)[1] for m in self.summary.missing_columns if m.startswith(table + ".")}
            steps = sql.merge_by_id(table, lacking, mark=mark)
        else:
            steps = sql.merge_by_content(table, stream.identity)
        for name, tree in steps:
            self.wh.execute_built(name, tree)

    def _newest(self, table: str, key: str) -> datetime | None:
        """The largest ``key`` in ``table``, as microseconds: DuckDB's own TIMESTAMPTZ conversion needs pytz."""
        micros = self.wh.built_value(f"newest of {table}", sql.newest(table, key))
        return None if micros is None else _EPOCH + timedelta(microseconds=micros)

    def _in_flight(self) -> list[str]:
        """Interceptions in flight in the warehouse that the overlap window will not re-read."""
        watermark = self._watermark(STREAMS[0])
        if watermark is None:
            return []
        rows = self.wh.run("warehouse/in_flight", {"before": watermark - self.overlap}).fetchall()
        return [r[0] for r in rows]

    def _refresh(self, reader: CopyReader, ids: list[str]) -> None:
        """Re-read interceptions by id (those in flight at the last sync: they may have ended)."""
        stream = STREAMS[0]
        rows = sql.select_rows(stream.table, self.probe, reader.table(stream.table))
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            tree = sql.with_ids(rows.copy(), stream.table, len(chunk))
            params = {f"id{i}": id_ for i, id_ in enumerate(chunk)}
            for batch in reader.batches("re-read interceptions in flight", tree, params, self.batch_rows):
                self._write_batch(stream, batch, merge=True)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _prepare_warehouse(warehouse: Warehouse) -> None:
    """Create the sync's tables if missing (one transaction); refuse a demo warehouse."""
    kind = None
    if warehouse.value("schema/has_table", {"table": store.META_TABLE}):
        kind = warehouse.value("warehouse/meta/get", {"key": "kind"})
    if kind not in (None, "sync"):
        raise UsageError(
            f"the warehouse was built by `{kind}`, not by sync: sync into a new warehouse file"
        ).with_cli_hint("give sync a new --db")
    with warehouse.transaction():
        for table in TABLES:
            # No primary key on the streamed tables: see the module docstring.
            warehouse.create(duckdb_ddl(table, keys=table == "ai_providers"))
        store.create_history(warehouse.con)
        store.create_schema(warehouse.con)
        store.add_missing_columns(warehouse.con)
        warehouse.run("warehouse/facts/create_changed")
        if kind is None:
            warehouse.run("warehouse/meta/set", {"key": "kind", "value": "sync"})
