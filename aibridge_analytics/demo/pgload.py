"""Loading Coder's tables into a PostgreSQL database, with Coder's own types.

The tests compare every query on DuckDB and on PostgreSQL, and the benchmarks run them on ten
million rows; both need the same data in a PostgreSQL database shaped like Coder's (enum types,
jsonb, the generated ``session_id``). Two entry points:

- :func:`load_postgres` loads in-memory frames (Polars or Arrow), one per table;
- :func:`copy_warehouse_to_postgres` streams a whole DuckDB warehouse in bounded chunks.

Both create the tables from :func:`.schema.postgres_ddl` in one transaction and fill them with
``COPY ... (FORMAT csv)`` fed by Arrow's CSV writer. CSV rather than binary COPY because Arrow
writes it column-wise in C++ (binary COPY through psycopg converts value by value in Python), and
because its quoting keeps the one distinction that matters, NULL versus empty string: Arrow quotes
every string (``""`` is an empty string) and leaves nulls bare (read as NULL by PostgreSQL).

Never point these at a live Coder database: they create tables, and are meant for test servers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from sqlglot import exp

from aibridge_analytics.catalogue.rendering import render_statement
from aibridge_analytics.coder import PRIMARY_KEYS, TABLES, postgres_ddl
from aibridge_analytics.errors import UsageError

if TYPE_CHECKING:
    import duckdb
    import polars as pl
    import psycopg

__all__ = ["copy_warehouse_to_postgres", "load_postgres"]

#: Computed by PostgreSQL (GENERATED ALWAYS); COPY refuses a value for it.
GENERATED_COLUMNS = {"aibridge_interceptions": ("session_id",)}

#: Rows per CSV piece handed to COPY: large enough to amortise calls, small enough for memory.
_CSV_ROWS = 100_000
_CSV_OPTIONS = pacsv.WriteOptions(include_header=False, batch_size=_CSV_ROWS)
#: DuckDB types read as VARCHAR when streaming a warehouse (see copy_warehouse_to_postgres).
_AS_TEXT = ("UUID", "JSON", "TIMESTAMPTZ")


def load_postgres(
    conn: psycopg.Connection,
    tables: dict[str, pl.DataFrame | pa.Table],
    schema: str | None = None,
) -> None:
    """Create Coder's tables in ``schema`` (default: the current schema) and load ``tables``.

    ``tables`` maps a Coder table name to a frame whose columns are named as in
    :data:`.schema.TABLES`; a missing optional column becomes NULL, a ``session_id`` column is
    ignored (PostgreSQL computes it), and tables not given are created empty. Text columns hold
    UUIDs, JSON and enum labels as strings; timestamps without a zone are read as UTC.

    Runs in one transaction (a savepoint if ``conn`` is already in one): on error nothing is left
    behind. The tables are analysed afterwards so the planner sees real statistics.
    """
    prepared = {name: _prepare_table(name, _to_arrow(frame)) for name, frame in tables.items()}
    with _BulkLoad(conn, schema) as load:
        for name, table in prepared.items():
            load.copy(name, table.schema.names, table.to_batches())


def copy_warehouse_to_postgres(
    duck_con: duckdb.DuckDBPyConnection,
    conn: psycopg.Connection,
    schema: str | None = None,
    chunk_rows: int = 1_000_000,
) -> dict[str, int]:
    """Stream every Coder table of a DuckDB warehouse into PostgreSQL; returns rows per table.

    Reads each table as Arrow record batches of at most ``chunk_rows`` rows, so memory stays
    bounded whatever the warehouse's size. Columns the warehouse lacks (an older Coder schema)
    are left NULL; a table it lacks is created empty. Same transaction and schema rules as
    :func:`load_postgres`.
    """
    if chunk_rows < 1:
        raise UsageError(f"chunk_rows must be positive, got {chunk_rows}")
    present = _duckdb_columns(duck_con)
    counts: dict[str, int] = {}
    with _BulkLoad(conn, schema) as load:
        for name, columns in TABLES.items():
            have = present.get(name, set())
            cols = [c for c in columns if c.name in have]
            counts[name] = 0
            if not cols:
                continue
            # As text: the Arrow export of UUID and JSON depends on connection settings
            # (arrow_lossless_conversion), text does not; and DuckDB renders timestamps (with
            # their offset, so any session zone is fine) several times faster than Arrow's CSV
            # writer, which made them the bulk of the loading time.
            select = exp.select(
                *(
                    exp.cast(exp.column(c.name, quoted=True), "VARCHAR").as_(c.name, quoted=True)
                    if c.duckdb in _AS_TEXT
                    else exp.column(c.name, quoted=True)
                    for c in cols
                )
            ).from_(exp.to_table(name))
            sql = render_statement(f"read {name}", select, "duckdb").sql
            reader = duck_con.execute(sql).to_arrow_reader(chunk_rows)
            counts[name] = load.copy(name, [c.name for c in cols], _prepared_batches(name, reader))
    return counts


class _BulkLoad:
    """One transaction that creates the tables, takes COPYs, then indexes and analyses.

    Primary keys and indexes are built after the data is in: one sorted build is much faster
    than maintaining a B-tree over random UUIDs row by row. And because the tables are created
    in the same transaction, a server with ``wal_level = minimal`` (the throwaway test server)
    writes no WAL for the COPY at all.
    """

    def __init__(self, conn: psycopg.Connection, schema: str | None) -> None:
        self.conn = conn
        self.schema = schema
        self._tx = conn.transaction()
        self._deferred: list[sql.SQL | sql.Composed] = []
        self._restore: dict[str, str] = {}

    def __enter__(self) -> _BulkLoad:
        self._tx.__enter__()
        try:
            self._begin()
        except BaseException as exc:
            self._tx.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        if exc_type is None:
            try:
                self._finish()
            except BaseException as err:
                # Roll back, then let the error out: nothing else would raise it.
                self._tx.__exit__(type(err), err, err.__traceback__)
                raise
        return self._tx.__exit__(exc_type, exc, tb)

    def _begin(self) -> None:
        cur = self.conn.cursor()
        if self.schema is not None:
            ident = sql.Identifier(self.schema)
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            self._set_local(cur, "search_path", ident.as_string(self.conn))
        # Zone-less timestamps in a frame mean UTC, whatever the session's zone.
        self._set_local(cur, "TimeZone", "UTC")
        target = cur.execute("SELECT current_schema()").fetchone()
        if target is None or target[0] is None:
            raise UsageError(
                "no current schema to create Coder's tables in: pass schema= or set search_path to an existing schema"
            )
        self.target = target[0]
        existing = cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %(s)s AND table_name = ANY(%(t)s)",
            {"s": self.target, "t": list(TABLES)},
        ).fetchall()
        if existing:
            raise UsageError(
                f"schema {self.target!r} already has Coder's tables ({', '.join(sorted(r[0] for r in existing))}); "
                "load into an empty schema"
            )
        # search_path decides where the unqualified DDL creates types and tables.
        for stmt in postgres_ddl():
            if stmt.startswith("CREATE INDEX"):
                self._deferred.append(sql.SQL(stmt))
            else:
                cur.execute(stmt)
        for table, key in PRIMARY_KEYS.items():
            if not key:
                continue
            qualified = sql.Identifier(self.target, table)
            row = cur.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'p'",
                {"t": qualified.as_string(self.conn)},
            ).fetchone()
            assert row is not None, f"postgres_ddl() gave {table} no primary key"
            cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(qualified, sql.Identifier(row[0])))
            self._deferred.insert(
                0,
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
                    qualified, sql.Identifier(row[0]), sql.SQL(", ").join(map(sql.Identifier, key))
                ),
            )

    def copy(self, table: str, columns: list[str], batches: Iterable[pa.RecordBatch]) -> int:
        """COPY the batches into ``table``; returns the number of rows sent."""
        stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')").format(
            sql.Identifier(self.target, table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        rows = 0
        cur = self.conn.cursor()
        # The queued writer sends on a thread, so the next CSV piece is made while this one is
        # on the wire.
        with cur.copy(stmt, writer=QueuedLibpqWriter(cur)) as copy:
            for batch in batches:
                for offset in range(0, batch.num_rows, _CSV_ROWS):
                    piece = batch.slice(offset, _CSV_ROWS)
                    sink = pa.BufferOutputStream()
                    pacsv.write_csv(piece, sink, _CSV_OPTIONS)
                    copy.write(memoryview(sink.getvalue()))
                    rows += piece.num_rows
        return rows

    def _finish(self) -> None:
        cur = self.conn.cursor()
        for stmt in self._deferred:
            cur.execute(stmt)
        for table in TABLES:
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(self.target, table)))
        # Put back what the caller had, should the surrounding transaction continue.
        for name, value in self._restore.items():
            cur.execute("SELECT set_config(%(n)s, %(v)s, true)", {"n": name, "v": value})

    def _set_local(self, cur: psycopg.Cursor, name: str, value: str) -> None:
        old = cur.execute("SELECT current_setting(%(n)s)", {"n": name}).fetchone()
        self._restore.setdefault(name, old[0] if old else "")
        cur.execute("SELECT set_config(%(n)s, %(v)s, true)", {"n": name, "v": value})


def _to_arrow(frame: pl.DataFrame | pa.Table) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame])
    to_arrow = getattr(frame, "to_arrow", None)
    if to_arrow is None:
        raise UsageError(f"expected a polars.DataFrame or pyarrow.Table, got {type(frame).__name__}")
    return to_arrow()


def _prepare_table(name: str, table: pa.Table) -> pa.Table:
    """Check the columns against Coder's table and make every column CSV-writable."""
    if name not in TABLES:
        raise UsageError(f"unknown Coder table {name!r}; expected one of {', '.join(TABLES)}")
    known = {c.name for c in TABLES[name]}
    drop = [c for c in GENERATED_COLUMNS.get(name, ()) if c in table.column_names]
    table = table.drop_columns(drop)
    unknown = [c for c in table.column_names if c not in known]
    if unknown:
        raise UsageError(f"table {name!r} has no column(s) {', '.join(map(repr, unknown))}")
    return pa.Table.from_arrays([_csv_column(col) for col in table.columns], names=table.column_names)


def _prepared_batches(name: str, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    for batch in reader:
        yield from _prepare_table(name, pa.Table.from_batches([batch])).to_batches()


def _csv_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column in a type Arrow's CSV writer renders the way PostgreSQL's COPY reads it."""
    t = col.type
    if isinstance(t, pa.ExtensionType):
        if t.extension_name == "arrow.uuid":
            return _uuid_text(col.cast(t.storage_type))
        return _csv_column(col.cast(t.storage_type))
    if pa.types.is_fixed_size_binary(t) and t.byte_width == 16:
        return _uuid_text(col)
    if pa.types.is_dictionary(t):
        return _csv_column(col.cast(t.value_type))
    if pa.types.is_string_view(t):
        return col.cast(pa.large_string())
    if pa.types.is_nested(t):
        # JSON held as structs or lists (metadata read from a JSON export) goes in as jsonb text.
        return pa.chunked_array(
            [pa.array([None if v is None else json.dumps(v) for v in col.to_pylist()], pa.large_string())]
        )
    return col


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: Where the 32 hex digits of a UUID go in its 36-character text form.
_UUID_SLOTS = np.array([i + (i >= 8) + (i >= 12) + (i >= 16) + (i >= 20) for i in range(32)])


def _uuid_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """16-byte UUIDs as canonical text, vectorised (no Python object per value)."""
    chunks = []
    for chunk in col.chunks:
        n = len(chunk)
        raw = np.frombuffer(chunk.buffers()[1], dtype=np.uint8, count=16 * (chunk.offset + n))
        raw = raw[16 * chunk.offset :].reshape(n, 16)
        digits = np.empty((n, 32), dtype=np.uint8)
        digits[:, 0::2] = _HEX[raw >> 4]
        digits[:, 1::2] = _HEX[raw & 0x0F]
        text = np.full((n, 36), ord("-"), dtype=np.uint8)
        text[:, _UUID_SLOTS] = digits
        offsets = pa.py_buffer(np.arange(0, 36 * (n + 1), 36, dtype=np.int32).tobytes())
        # is_valid() starts at offset 0 whatever the chunk's offset, so its bitmap lines up.
        validity = chunk.is_valid().buffers()[1] if chunk.null_count else None
        chunks.append(pa.StringArray.from_buffers(n, offsets, pa.py_buffer(text.tobytes()), validity))
    return pa.chunked_array(chunks, pa.string())


def _duckdb_columns(duck_con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = duck_con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_catalog = current_database()"
    ).fetchall()
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    return present
