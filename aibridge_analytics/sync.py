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
3. Each aibridge table is streamed from one ordered query: interceptions by ``(started_at, id)``,
   child tables by ``(created_at, id)``, model thoughts by ``created_at`` (they have no id). Rows
   are committed in batches, each in one DuckDB transaction together with the table's watermark
   (the last key committed), so a run killed at any point leaves whole batches and a watermark
   that describes them; the next run continues from there.
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
:mod:`.warehouse.pgattach`), or anything :func:`.sources.connect` opens (a Parquet directory, a JSON
export, another warehouse). Watermarks are kept for live databases only; a file source is merged
whole each time. Columns the source lacks are stored as NULL (a NOT NULL column gets what Coder's
own migration wrote for old rows: ``provider_name = provider``, cache tokens 0), an existing row
keeps the value an earlier sync gave it, and ``warehouse_meta`` records the columns the source
lacked (``sync.source_missing_columns``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .catalogue import Probe, _missing_value
from .engines import Connection, DuckDBConnection, PostgresConnection
from .errors import SourceError, UsageError
from .progress import ProgressFn
from .sources import is_postgres
from .warehouse import store
from .warehouse.schema import TABLES, duckdb_ddl

__all__ = ["HISTORY_TABLE", "SyncSummary", "snapshot", "sync"]

HISTORY_TABLE = "ai_providers_history"

#: Test hook: seconds to sleep after each committed batch, so a test can kill a sync mid-copy.
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
    new in the source writes nothing new. ``statement_timeout_ms`` bounds each server statement,
    the streaming reads included, hence the generous default.
    """
    if batch_rows < 1:
        raise UsageError(f"batch_rows must be positive, got {batch_rows}")
    began = time.perf_counter()
    with _open_source(str(source), keep_latest, statement_timeout_ms) as src:
        src.probe  # errors about the source come before the warehouse is touched
        path = Path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = store.configure(duckdb.connect(str(path)))
            # Each commit is durable in the write-ahead log; checkpointing after every batch (the
            # default threshold is 16 MB) rewrote the tables' blocks again and again and tripled the
            # copy time. One checkpoint at the end instead.
            con.execute("SET checkpoint_threshold = '4GB'")
        except duckdb.Error as exc:
            raise SourceError(f"cannot open warehouse {str(path)!r}: {str(exc).splitlines()[0]}") from None
        try:
            summary = _Run(con, src, str(source), batch_rows, overlap, statement_timeout_ms, progress, log).run()
            con.execute("CHECKPOINT")
        finally:
            con.close()
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
        _Run(con, src, str(source), 1_000_000, timedelta(0), 3_600_000, None, None).run()
    return DuckDBConnection(con, label=f"snapshot of {src.label}")


# --- sources -----------------------------------------------------------------------------------


def _open_source(source: str, keep_latest: bool, statement_timeout_ms: int) -> Connection:
    if is_postgres(source):
        return PostgresConnection(source, statement_timeout_ms=statement_timeout_ms)
    from .exports import connect_export, is_export

    if is_export(Path(source)):
        return connect_export(source, keep_latest=keep_latest)
    from .sources import connect

    return connect(source)


class _Reader:
    """Runs the copy's SELECTs (SQL both engines accept) on the source, as Arrow batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection, src: Connection, source: str, timeout_ms: int) -> None:
        self.live = isinstance(src, PostgresConnection)
        self.attached = None
        self.label = src.label
        if self.live:
            from .warehouse.pgattach import AttachedPostgres

            self.attached = AttachedPostgres(con, source, timeout_ms)
            # Its own cursor: the stream stays open while the warehouse connection commits.
            self.duck = con.cursor()
        else:
            assert isinstance(src, DuckDBConnection)
            self.duck = src.con

    def batches(self, sql: str, rows: int) -> Iterator[pa.RecordBatch]:
        text = self.attached.query_sql(sql) if self.attached else sql
        try:
            yield from self.duck.execute(text).to_arrow_reader(rows)
        except duckdb.Error as exc:
            message = f"reading {self.label} failed: {str(exc).strip().splitlines()[0]}"
            raise SourceError(self.attached.scrub(message) if self.attached else message) from None

    def table(self, sql: str) -> pa.Table:
        text = self.attached.query_sql(sql) if self.attached else sql
        try:
            return self.duck.execute(text).to_arrow_table()
        except duckdb.Error as exc:
            message = f"reading {self.label} failed: {str(exc).strip().splitlines()[0]}"
            raise SourceError(self.attached.scrub(message) if self.attached else message) from None

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

    def run(self) -> SyncSummary:
        _prepare_warehouse(self.con)
        reader = _Reader(self.con, self.src, self.source, self.timeout_ms)
        self.live = reader.live
        try:
            self._record_schema()
            self.total = self._estimate(reader)
            self._providers(reader)
            in_flight = self._in_flight() if reader.live else []
            for stream in STREAMS:
                if self.probe.has(stream.table):
                    self._stream(reader, stream)
            self._refresh(reader, in_flight)
            self._set_meta({"last_completed_at": self.now.isoformat()})
        finally:
            reader.close()
        return self.summary

    # -- meta -----------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.con.execute(f"SELECT value FROM {store.META_TABLE} WHERE key = ?", [_META_PREFIX + key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, values: dict[str, str], transaction: bool = True) -> None:
        if transaction:
            self.con.execute("BEGIN")
        for key, value in values.items():
            self.con.execute(f"DELETE FROM {store.META_TABLE} WHERE key = ?", [_META_PREFIX + key])
            self.con.execute(f"INSERT INTO {store.META_TABLE} VALUES (?, ?)", [_META_PREFIX + key, value])
        if transaction:
            self.con.execute("COMMIT")

    def _record_schema(self) -> None:
        """Record the source and what it lacks; a change of schema re-reads everything once.

        A Coder upgrade that adds a column (provider_id, say) also backfills it in old rows, which
        an incremental read would never see again.
        """
        missing = ",".join(self.summary.missing_columns)
        previous = self._meta("source_missing_columns")
        self.con.execute("BEGIN")
        if previous is not None and previous != missing:
            self.log(f"source schema changed (lacked: {previous or 'nothing'}; now: {missing or 'nothing'}): re-reading every row")
            self.con.execute(f"DELETE FROM {store.META_TABLE} WHERE key LIKE ?", [_META_PREFIX + "watermark.%"])
        self._set_meta({"source": self.src.label, "source_missing_columns": missing,
                        "source_extra_columns": ",".join(self.probe.extra()), "last_started_at": self.now.isoformat()},
                       transaction=False)
        self.con.execute("COMMIT")

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
                row = self.src.conn.execute(
                    "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class WHERE oid = to_regclass(%(t)s)",
                    {"t": stream.table}).fetchone()
                self.src.conn.rollback()
                have = self.con.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0]
                total += max(int(row[0] if row and row[0] is not None else 0) - have, 0)
            else:
                total += reader.duck.execute(f"SELECT count(*) FROM {stream.table}").fetchone()[0]
        return total

    def _tick(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        self.progress(self.done, self.total)

    # -- ai_providers -------------------------------------------------------------------------------
    def _providers(self, reader: _Reader) -> None:
        cols = [c.name for c in TABLES["ai_providers"]]
        incoming = reader.table(f"SELECT {_select_list('ai_providers', self.probe)} FROM ai_providers")
        if incoming.num_rows == 0 and not reader.live:
            return  # an export has no providers: keep what an earlier sync stored
        changed = " OR ".join(f"h.{c} IS DISTINCT FROM p.{c}" for c in cols if c != "id")
        now = [self.now]
        con = self.con
        con.execute("BEGIN")
        try:
            con.register("_providers", incoming)
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
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_providers")
        self.summary.rows["ai_providers"] = incoming.num_rows

    # -- streams ------------------------------------------------------------------------------------
    def _stream(self, reader: _Reader, stream: _Stream) -> None:
        # Rows up to the watermark this run started from may be in the warehouse already.
        watermark = self._watermark(stream)
        merge_all = self._has_rows_beyond(stream, watermark)
        where = ""
        if watermark is not None:
            lower = watermark[0] - self.overlap
            where = f" WHERE {stream.key[0]} >= CAST('{lower.isoformat()}' AS TIMESTAMPTZ)"
        sql = (f"SELECT {_select_list(stream.table, self.probe)} FROM {stream.table}{where} "
               f"ORDER BY {', '.join(stream.key)}")
        self.summary.rows[stream.table] = 0
        pending: pa.Table | None = None
        for batch in reader.batches(sql, self.batch_rows):
            table = pa.Table.from_batches([batch])
            if not stream.unique:
                # Rows sharing a key go into one commit, so the watermark never splits them.
                if pending is not None:
                    table = pa.concat_tables([pending, table])
                in_tail = pc.equal(table.column(stream.key[0]), table.column(stream.key[0])[-1])
                # filter() copies; DuckDB misread a registered slice (an offset view) here.
                table, pending = table.filter(pc.invert(in_tail)), table.filter(in_tail)
                if table.num_rows == 0:
                    continue
            self._commit(stream, table, watermark, merge_all)
        if pending is not None and pending.num_rows:
            self._commit(stream, pending, watermark, merge_all)

    def _has_rows_beyond(self, stream: _Stream, watermark: tuple | None) -> bool:
        if watermark is None:
            where = ""
            params: list = []
        elif stream.unique:
            where = f" WHERE {stream.key[0]} > ? OR ({stream.key[0]} = ? AND id > ?)"
            params = [watermark[0], watermark[0], watermark[1]]
        else:
            where = f" WHERE {stream.key[0]} > ?"
            params = [watermark[0]]
        return self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {stream.table}{where})", params).fetchone()[0]

    def _commit(self, stream: _Stream, table: pa.Table, watermark: tuple | None, merge_all: bool) -> None:
        """Write one batch and the watermark after it, in one transaction.

        ``watermark`` is the one the run started from: rows at or before it are merged by identity.
        """
        last = tuple(_py(table.column(k)[-1]) for k in stream.key)
        first = tuple(_py(table.column(k)[0]) for k in stream.key)
        rewrite = merge_all or (watermark is not None and first <= watermark)
        con = self.con
        con.execute("BEGIN")
        try:
            con.register("_batch", table)
            if rewrite:
                self._merge(stream.table, stream.identity)
            else:
                cols = ", ".join(c.name for c in TABLES[stream.table])
                con.execute(f"INSERT INTO {stream.table} ({cols}) SELECT {cols} FROM _batch")
            if self.live:
                self._set_meta({f"watermark.{stream.table}": json.dumps([last[0].isoformat(), *last[1:]])}, transaction=False)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("_batch")
        self.summary.rows[stream.table] = self.summary.rows.get(stream.table, 0) + table.num_rows
        self._tick(table.num_rows)
        self.log(f"{stream.table}: {table.num_rows} rows committed, up to {last[0].isoformat()}")
        if self.pause:
            time.sleep(self.pause)

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
                self.con.execute("BEGIN")
                try:
                    self.con.register("_batch", pa.Table.from_batches([batch]))
                    self._merge(stream.table, ("id",))
                    self.con.execute("COMMIT")
                except BaseException:
                    self.con.execute("ROLLBACK")
                    raise
                finally:
                    self.con.unregister("_batch")


def _select_list(table: str, probe: Probe) -> str:
    """The copy's SELECT list: every declared column, the ones the source lacks filled in.

    Built from the schema declaration only; the same SQL runs on PostgreSQL and DuckDB.
    """
    parts = []
    for c in TABLES[table]:
        expr = c.name if probe.has(table, c.name) else _missing_value(table, c.name)
        parts.append(c.name if expr == c.name else f"CAST({expr} AS {c.duckdb}) AS {c.name}")
    return ", ".join(parts)


def _py(value: pa.Scalar):
    v = value.as_py()
    return str(v) if not isinstance(v, datetime) else v


def _prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the sync's tables if missing (one transaction); refuse a demo warehouse."""
    kind = None
    if con.execute(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{store.META_TABLE}'").fetchone()[0]:
        row = con.execute(f"SELECT value FROM {store.META_TABLE} WHERE key = 'kind'").fetchone()
        kind = row[0] if row else None
    if kind not in (None, "sync"):
        raise UsageError(f"the warehouse was built by `{kind}`, not by sync: sync into a new --db file")
    con.execute("BEGIN")
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
    con.execute("COMMIT")
