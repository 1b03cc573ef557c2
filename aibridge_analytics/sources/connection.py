"""Running catalogue queries on DuckDB or PostgreSQL, with results as Polars frames of one shape.

Both engines go through `Connection.query`: render for the engine's dialect with the source's
schema probe, bind the values through the driver, and return a frame whose column types are
canonical (UUIDs as text, integers as Int64, timestamps in UTC), so results from the two engines
compare equal when the rows are equal.
"""

from __future__ import annotations

import decimal
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Probe, Rendered
from aibridge_analytics.coder import LOOKUP_TABLES, REQUIRED_TABLES, TABLES
from aibridge_analytics.errors import (
    ConnectionFailed,
    SchemaError,
    SourceError,
    SqlError,
    UsageError,
    first_line,
)
from aibridge_analytics.warehouse import store

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

    from aibridge_analytics.sources.live import LiveReader

_PROBE_QUERY = "schema/columns"


class Connection:
    """A source opened for querying. Subclasses supply the engine; this class the workflow."""

    dialect: str = ""
    #: Where the data came from, safe to print (no password).
    label: str = ""
    #: A live database: Coder's primary keys hold, a sync reads it incrementally (watermarks), and
    #: the copy reads its tables from the warehouse's own DuckDB connection (`copy_reader`).
    live: bool = False

    def __init__(self) -> None:
        #: Interception ids are unique by construction (Coder's primary key; a warehouse's sync
        #: merges by id), so the summaries' anomaly check need not look for duplicates.
        self.unique_ids = self.live
        self._probe: Probe | None = None
        self._meta: dict[str, str] | None = None
        self._recorders: list[list[Rendered]] = []
        #: Relations this source binds for every query (a warehouse's stored facts), under the caller's.
        self.relations: dict[str, str] = {}
        #: Where the figures' facts come from: ``stored``, or ``inline`` and why (completeness lines say it).
        self.facts = "inline"

    # -- engine-specific ------------------------------------------------------------------
    def _execute(self, rendered: Rendered) -> pl.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def _batches(self, rendered: Rendered, rows: int) -> Iterator[pl.DataFrame]:
        """The result in frames of at most about ``rows`` rows (engines that cannot stream: one)."""
        yield self._execute(rendered)

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------
    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def probe(self) -> Probe:
        """The source's tables and columns, probed once (schema-version detection)."""
        if self._probe is None:
            self._probe = self._load_probe()
        return self._probe

    def _probe_columns(self) -> dict[str, dict[str, str]]:
        """Each of Coder's tables the source has: its columns and their types, lower case."""
        frame = self.run(catalogue.render(_PROBE_QUERY, self.dialect))
        columns: dict[str, dict[str, str]] = {}
        for table, column, dtype in frame.iter_rows():
            if table in TABLES:
                columns.setdefault(table, {})[column] = dtype.lower()
        return columns

    def _load_probe(self) -> Probe:
        columns = self._probe_columns()
        _hide_source_gaps(columns, self.meta())
        _drop_partial_lookups(columns)
        missing = [t for t in REQUIRED_TABLES if t not in columns]
        if missing:
            raise SchemaError(
                f"{self.label} has no {' or '.join(missing)} table: not a Coder AI Bridge database or export"
            )
        _check_types(columns, self.label)
        return Probe(columns)

    def meta(self) -> dict[str, str]:
        """What a synced or demo warehouse records about itself (``warehouse_meta``); {} elsewhere."""
        if self._meta is None:
            self._meta = {}
            if self.dialect == "duckdb":
                found = self.run(catalogue.render("schema/has_table", self.dialect, {"table": store.META_TABLE}))
                if found["tables"][0]:
                    meta = self.run(catalogue.render("schema/warehouse_meta", self.dialect))
                    self._meta = dict(meta.iter_rows())
        return self._meta

    def use_meta(self, meta: Mapping[str, str]) -> None:
        """Answer `meta` with ``meta``: what a lake's manifest carries of its warehouse's records."""
        self._meta = dict(meta)

    def enum_labels(self) -> list[str] | None:
        """The labels of the source's ``ai_provider_type`` enum, or None where the source cannot tell.

        PostgreSQL answers from its catalogue; a synced warehouse from what the sync recorded; a
        Parquet directory, an export or a demo warehouse cannot tell.
        """
        if self.dialect == "postgres":
            labels = self.run(catalogue.render("schema/enum_labels", self.dialect))["label"].to_list()
            return labels or None
        recorded = self.meta().get(ENUM_LABELS_META)
        return recorded.split(",") if recorded else None

    def render(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        relations: Mapping[str, str] | None = None,
        keys: Sequence[str] | None = None,
        bits: Mapping[str, int] | None = None,
    ) -> Rendered:
        """Render catalogue query ``name`` for this engine and this source's schema (``bits``: see
        `catalogue.render`)."""
        bound = {**self.relations, **(relations or {})}
        rendered = catalogue.render(name, self.dialect, params, self.probe, bound, keys=keys, bits=bits)
        for recorder in self._recorders:
            recorder.append(rendered)
        return rendered

    @contextmanager
    def recording(self) -> Iterator[list[Rendered]]:
        """Every catalogue query rendered on this connection while the block runs, in order, with
        its bound parameters: what a report's manifest lists as the queries behind its figures."""
        rendered: list[Rendered] = []
        self._recorders.append(rendered)
        try:
            yield rendered
        finally:
            self._recorders.remove(rendered)

    def query(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        relations: Mapping[str, str] | None = None,
        keys: Sequence[str] | None = None,
        bits: Mapping[str, int] | None = None,
    ) -> pl.DataFrame:
        """Run catalogue query ``name`` (grouped by ``keys`` if it declares keys) as a canonical Polars frame."""
        return self.run(self.render(name, params, relations, keys, bits))

    def built(self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None = None) -> Rendered:
        """A statement built with sqlglot's builders, rendered for this engine (see
        `catalogue.render_statement`)."""
        return catalogue.render_statement(name, tree, self.dialect, params)

    def run(self, rendered: Rendered) -> pl.DataFrame:
        """Execute an already rendered query."""
        self._check_dialect(rendered)
        return canonical(self._execute(rendered))

    def stream(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        batch_rows: int = 250_000,
        relations: Mapping[str, str] | None = None,
    ) -> Iterator[pl.DataFrame]:
        """Run catalogue query ``name`` and yield its result as canonical frames of bounded size.

        For results too large to hold at once (ten million rows of text columns); at least one
        frame is yielded, empty if the result is, so that its schema is always known.
        """
        rendered = self.render(name, params, relations)
        for frame in self._batches(rendered, batch_rows):
            yield canonical(frame)

    def export_parquet(self, rendered: Rendered, path: str | Path) -> None:
        """Write the result of ``rendered`` to the Parquet file ``path``, streaming.

        The path goes to the Parquet writer, never into SQL.
        """
        import pyarrow.parquet as pq

        self._check_dialect(rendered)
        writer = None
        try:
            for frame in self._batches(rendered, 250_000):
                table = frame.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(str(path), table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()

    def row_estimates(self, tables: Sequence[str]) -> dict[str, int]:
        """Rows each of ``tables`` holds, for progress (here counted; a live database estimates)."""
        from sqlglot import exp

        counts = {}
        for table in tables:
            tree = exp.select(exp.func("count", exp.Star()).as_("rows")).from_(exp.to_table(table))
            counts[table] = int(self.run(self.built(f"rows of {table}", tree))["rows"][0])
        return counts

    def duplicate_ids(self) -> list[tuple[str, str, int]]:
        """``(table, first id, ids repeated)`` for each table holding an id more than once, in
        `TABLES` order: a Parquet directory or another warehouse may (a live database may not)."""
        found = {row[0]: row for row in self.query("schema/duplicate_ids").iter_rows()}
        return [found[table] for table in TABLES if table in found]

    def hold_memory(self, limit: str) -> None:
        """Hold this source's engine to ``limit`` (a size such as ``1GB``) from now on, where this
        package sets it (DuckDB); a server bounds its own."""

    def copy_reader(self, warehouse: duckdb.DuckDBPyConnection) -> CopyReader:  # pragma: no cover - abstract
        """How a sync into ``warehouse`` reads this source's tables."""
        raise NotImplementedError

    def _check_dialect(self, rendered: Rendered) -> None:
        if rendered.dialect != self.dialect:
            raise SqlError(f"{rendered.name} was rendered for {rendered.dialect}, not {self.dialect}")


#: warehouse_meta keys the sync writes: what no source it synced from had, and the enum labels.
MISSING_COLUMNS_META = "sync.never_provided_columns"
MISSING_TABLES_META = "sync.never_provided_tables"
ENUM_LABELS_META = "sync.source_enum_labels"


class CopyReader:
    """How a sync reads a source's tables: each named by `table` in the statements it builds,
    its rows read by `batches`, and a failed read reported in one line by `reading`."""

    #: Whether the source is a standby (in recovery), which a live read must know.
    standby: bool = False

    def __init__(self, label: str) -> None:
        self.label = label

    def table(self, name: str) -> exp.Table:
        """``name`` as the reads of this source name it."""
        from sqlglot import exp

        return exp.to_table(name)

    def batches(
        self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None, rows: int
    ) -> Iterator[pa.RecordBatch]:
        """The rows of the built statement ``tree`` (named ``name``) in Arrow batches of ``rows``."""
        with self.reading():
            yield from self._reader(name, tree, params, rows)

    def whole(self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None = None) -> pa.Table:
        """The rows of the built statement ``tree`` as one Arrow table (for small tables)."""
        with self.reading():
            return self._reader(name, tree, params, 1_000_000).read_all()

    def _reader(
        self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None, rows: int
    ) -> pa.RecordBatchReader:  # pragma: no cover - abstract
        raise NotImplementedError

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A failed read of the source as one line, without the password; a lock named."""
        try:
            yield
        except duckdb.InterruptException:
            raise KeyboardInterrupt from None
        except duckdb.Error as exc:
            if isinstance(exc, duckdb.OutOfMemoryException) or "Could not write file" in str(exc):
                raise  # the warehouse's side of the copy (memory limit, disk full): the sync reports it
            raise SourceError(self._failure(exc)) from None

    def _failure(self, exc: duckdb.Error) -> str:
        """The one line a failed read of the source is reported as."""
        return redact(f"reading {self.label} failed: {first_line(exc)}")

    def close(self) -> None:
        """Release what reading needed."""


class _LocalReader(CopyReader):
    """A DuckDB source's tables, read on its own connection."""

    def __init__(self, source: DuckDBConnection) -> None:
        super().__init__(source.label)
        self.source = source

    def _reader(self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None, rows: int) -> pa.RecordBatchReader:
        rendered = self.source.built(name, tree, params)
        return self.source._con.execute(rendered.sql, dict(rendered.params) or None).to_arrow_reader(rows)


def _hide_source_gaps(columns: dict[str, dict[str, str]], meta: Mapping[str, str]) -> None:
    """Drop from a warehouse's probe what the source it was synced from lacked.

    The sync stores such columns as NULL; read as present, a NULL provider_id would look like a
    row the backfill left alone. Hidden, they read as the source's would (a warehouse verifies
    as its source does).
    """
    for table in filter(None, meta.get(MISSING_TABLES_META, "").split(",")):
        columns.pop(table, None)
    # A warehouse synced before the sync kept this key records its last source's gaps instead.
    lacking = meta.get(MISSING_COLUMNS_META, meta.get("sync.source_missing_columns", ""))
    for item in filter(None, lacking.split(",")):
        table, _, column = item.partition(".")
        columns.get(table, {}).pop(column, None)


def _drop_partial_lookups(columns: dict[str, dict[str, str]]) -> None:
    """Treat a lookup table (``users``) lacking a column it needs as absent: names are a courtesy,
    and a column grant that leaves out ``username`` must not stop a command that counts."""
    for table in LOOKUP_TABLES:
        have = columns.get(table)
        if have is not None and any(not c.optional and c.name not in have for c in TABLES[table]):
            del columns[table]


# Types a probe accepts per declared type: a snapshot or export may carry UUIDs as text, say, but
# a UUID column holding integers is a broken source, reported rather than guessed at.
_COMPATIBLE = {
    "uuid": ("uuid", "varchar", "text", "character varying", "string"),
    "timestamptz": ("timestamp", "date"),
    "bigint": ("int", "bigint", "smallint", "hugeint"),
    "boolean": ("bool",),
    "varchar": ("varchar", "text", "character", "user-defined", "string", "enum"),
    "json": ("json", "varchar", "text", "character varying", "string", "struct", "map"),
}


#: A NUMERIC / DECIMAL that cannot hold a fraction: declared with scale 0. The probe reports a
#: PostgreSQL numeric with its precision and scale (``sql/schema/columns.sql``); an unconstrained
#: ``numeric`` may hold fractions, which a count column would round silently.
_INTEGRAL_DECIMAL = re.compile(r"(?:numeric|decimal)\(\d+,\s*0\)$")


def _check_types(columns: Mapping[str, Mapping[str, str]], label: str) -> None:
    for table, cols in TABLES.items():
        for col in cols:
            actual = columns.get(table, {}).get(col.name)
            if actual is None:
                continue
            if col.duckdb.lower() == "bigint" and actual.startswith(("numeric", "decimal")):
                if _INTEGRAL_DECIMAL.match(actual):
                    continue  # integral by declaration: exact
                raise SchemaError(
                    f"{label}: column {table}.{col.name} has type {actual!r}, expected bigint: "
                    "a count with a fraction would be rounded (a numeric of scale 0 is accepted)"
                )
            allowed = _COMPATIBLE[col.duckdb.lower()]
            if not any(actual.startswith(a) or a in actual for a in allowed):
                raise SchemaError(
                    f"{label}: column {table}.{col.name} has type {actual!r}, expected {col.duckdb.lower()}"
                )


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """One column type per kind of value, whichever engine produced ``frame``."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Int64 if dtype.scale == 0 else pl.Float64))
        elif dtype in (pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64, pl.Int128):
            casts.append(pl.col(name).cast(pl.Int64))
        elif dtype == pl.Float32:
            casts.append(pl.col(name).cast(pl.Float64))
        elif isinstance(dtype, pl.Datetime):
            casts.append(
                pl.col(name).dt.cast_time_unit("us").dt.convert_time_zone("UTC")
                if dtype.time_zone
                else pl.col(name).dt.cast_time_unit("us")
            )
        elif dtype == pl.Object:
            casts.append(pl.col(name).map_elements(str, return_dtype=pl.String))
    return frame.with_columns(casts) if casts else frame


def _frame(arrow: pa.RecordBatch | pa.Table) -> pl.DataFrame:
    """A Polars frame of an Arrow batch or table (from_arrow gives a Series only for an array)."""
    return cast(pl.DataFrame, pl.from_arrow(arrow))


class DuckDBConnection(Connection):
    """A DuckDB connection: the local warehouse, or an in-memory one over Parquet or an export."""

    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, label: str = "duckdb") -> None:
        super().__init__()
        self._con = con
        self.label = label
        store.configure(con)

    def _execute(self, rendered: Rendered) -> pl.DataFrame:
        with self._failing(rendered):
            # Not a relation (`con.sql(..., params=...)`) handed to Polars through Arrow's C
            # stream, which would spare pyarrow's import (0.1 s): DuckDB materialises a relation
            # with parameters as values one by one, and a result of 362,735 rows
            # (`--by provider,initiator,day` at 10M) took 13-14 s that way against 3.7 s here.
            return self._con.execute(rendered.sql, dict(rendered.params)).pl()

    def _batches(self, rendered: Rendered, rows: int) -> Iterator[pl.DataFrame]:
        with self._failing(rendered):
            reader = self._con.execute(rendered.sql, dict(rendered.params)).to_arrow_reader(rows)
            empty = True
            for batch in reader:
                empty = False
                yield _frame(batch)
            if empty:
                yield _frame(reader.schema.empty_table())

    @contextmanager
    def _failing(self, rendered: Rendered) -> Iterator[None]:
        """DuckDB's errors as the package's one-line SqlError."""
        try:
            yield
        except duckdb.Error as exc:
            raise SqlError(f"{rendered.name} failed on DuckDB ({self.label}): {first_line(exc)}") from exc

    def hold_memory(self, limit: str) -> None:
        """Hold DuckDB's buffer pool to ``limit`` on this connection's database from now on."""
        store.Warehouse(self._con).run("warehouse/settings/memory_limit", {"limit": limit})

    def copy_reader(self, warehouse: duckdb.DuckDBPyConnection) -> CopyReader:
        """Reads of this DuckDB source on its own connection (``warehouse`` only receives the rows)."""
        return _LocalReader(self)

    def close(self) -> None:
        """Close the DuckDB connection."""
        self._con.close()


# PostgreSQL type OIDs -> Polars types, for building frames (and empty frames) from psycopg rows.
_PG_TYPES: dict[int, pl.DataType | DataTypeClass] = {
    16: pl.Boolean,
    20: pl.Int64,
    21: pl.Int64,
    23: pl.Int64,
    700: pl.Float64,
    701: pl.Float64,
    1700: pl.Float64,
    25: pl.String,
    1043: pl.String,
    1042: pl.String,
    19: pl.String,
    2950: pl.String,
    114: pl.String,
    3802: pl.String,
    1082: pl.Date,
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
    1009: pl.List(pl.String),
    1015: pl.List(pl.String),
}


def _pg_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dict, list)) and not (
        isinstance(value, list) and all(isinstance(v, str) or v is None for v in value)
    ):
        return json.dumps(value)
    return value


#: A URL's password: ``scheme://user:PASSWORD@``.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)([^@\s]*)(@)")
#: A keyword/value password, bare or single-quoted with libpq's backslash escapes, or a URL
#: query parameter (``?password=...``, up to the next ``&``).
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&'\"]+)", re.IGNORECASE)
#: Passwords this process has handed to libpq (see `session_conninfo`), masked wherever they appear.
_PASSWORDS: set[str] = set()
MASK = "***"


def redact(text: str) -> str:
    """``text`` with every password masked: the one redaction of this package.

    For anything that may reach a person or a file (error lines, ``-v`` logs, warehouse_meta,
    manifests). Masks a URL's password, a keyword/value ``password=`` (bare, or quoted with libpq's
    escapes), and every password this process gave libpq or found in ``PGPASSWORD`` in each form
    libpq, DuckDB or a URL can echo it: as is, percent-encoded, with libpq's ``\\'`` and ``\\\\``
    escapes, with SQL's doubled quotes (the ATTACH statement) and as Python's repr shows it.
    """
    secrets = set(_PASSWORDS)
    if os.environ.get("PGPASSWORD"):
        secrets.add(os.environ["PGPASSWORD"])
    # Every span to hide is found in the text as given, then all are masked at once, so that
    # masking one cannot hide or split another.
    hidden = [False] * len(text)
    for pattern in (_URL_PASSWORD, _KV_PASSWORD):  # passwords by where they stand
        for match in pattern.finditer(text):
            hidden[match.start(2) : match.end(2)] = [True] * (match.end(2) - match.start(2))
    for form in {form for secret in secrets for form in _echoed_forms(secret) if form}:
        start = text.find(form)
        while start >= 0:
            hidden[start : start + len(form)] = [True] * len(form)
            start = text.find(form, start + 1)
    out, i = [], 0
    while i < len(text):
        if hidden[i]:
            while i < len(text) and hidden[i]:
                i += 1
            out.append(MASK)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _echoed_forms(secret: str) -> set[str]:
    from urllib.parse import quote, quote_plus

    libpq = secret.replace("\\", "\\\\").replace("'", "\\'")
    return {
        secret,
        libpq,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        secret.replace("'", "''"),
        libpq.replace("'", "''"),
        repr(secret)[1:-1],
    }


def _remember_password(info: Mapping[str, Any]) -> None:
    if info.get("password"):
        _PASSWORDS.add(str(info["password"]))


#: Environment variable: how long a read waits for a table lock before giving up, in milliseconds.
LOCK_TIMEOUT_ENV = "AIBRIDGE_LOCK_TIMEOUT_MS"
DEFAULT_LOCK_TIMEOUT_MS = 60_000


def lock_timeout_ms() -> int:
    """The lock timeout of every read-only session: ``AIBRIDGE_LOCK_TIMEOUT_MS``, default one minute."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT_MS
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a positive number of milliseconds")
    return int(raw)


def is_lock_timeout(message: str) -> bool:
    """Whether a server error is PostgreSQL's lock timeout (SQLSTATE 55P03)."""
    return "lock timeout" in message


def lock_timeout_message(conn: Any, label: str) -> str:
    """One line naming the source table(s) another session holds locked, read from ``pg_locks``.

    ``conn`` is a psycopg connection to the same database (read-only; rolled back afterwards).
    """
    held = []
    try:
        held = conn.execute(
            "SELECT c.relname, l.mode, l.pid FROM pg_locks AS l JOIN pg_class AS c ON c.oid = l.relation "
            "WHERE l.granted AND l.mode = 'AccessExclusiveLock' "
            "AND c.relnamespace = CAST(current_schema() AS regnamespace) "
            "AND c.relname = ANY(%(tables)s) ORDER BY c.relname",
            {"tables": list(TABLES)},
        ).fetchall()
        conn.rollback()
    except Exception:  # noqa: BLE001 - the lock is the news; naming it is a courtesy
        pass
    what = ", ".join(f"{name} (pid {pid}, {mode})" for name, mode, pid in held) or "a source table"
    return (
        f"{label}: {what} is locked by another session; gave up after waiting "
        f"{lock_timeout_ms()} ms ({LOCK_TIMEOUT_ENV}); try again when the lock is released"
    )


def session_conninfo(
    dsn: str,
    statement_timeout_ms: int = 600_000,
    connect_timeout_s: int = 10,
    application_name: str = "aibridge-analytics",
) -> dict[str, str]:
    """libpq connection parameters for ``dsn`` with this tool's session settings added.

    Read-only at the session level, so nothing this tool runs can write to Coder; a statement
    timeout; a lock timeout (a table another session holds locked is an error, not a wait as long
    as the statement timeout, see `lock_timeout_ms`); UTC. The password, if any, is remembered for
    `redact`. Options the URL already carries (a search_path, say) are kept. Credentials stay
    libpq's business: the URL, ``PG*`` environment variables or ``~/.pgpass``.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = {k: str(v) for k, v in conninfo_to_dict(dsn).items()}
    except psycopg.Error as exc:
        raise ConnectionFailed(f"invalid PostgreSQL URL {redact(dsn)}: {first_line(exc)}") from None
    _remember_password(info)
    ours = (
        f"-c default_transaction_read_only=on -c statement_timeout={int(statement_timeout_ms)} "
        f"-c lock_timeout={lock_timeout_ms()} -c TimeZone=UTC"
    )
    info["options"] = f"{info.get('options', '')} {ours}".strip()
    info.setdefault("application_name", application_name)
    info.setdefault("connect_timeout", str(connect_timeout_s))
    return info


@dataclass(frozen=True)
class ServerFacts:
    """What a live PostgreSQL session sees of its server."""

    #: The schema the session's search_path selects (where it finds Coder's tables).
    schema: str
    #: Whether the server is a standby (in recovery).
    standby: bool


class PostgresConnection(Connection):
    """A live PostgreSQL database (Coder's), opened read-only with a statement timeout."""

    dialect = "postgres"
    live = True

    def __init__(self, dsn: str, statement_timeout_ms: int = 600_000, connect_timeout_s: int = 10) -> None:
        super().__init__()
        import psycopg

        self.label = redact(dsn)
        self._dsn = dsn
        self._statement_timeout_ms = statement_timeout_ms
        info = session_conninfo(dsn, statement_timeout_ms, connect_timeout_s)
        try:
            # libpq parameters as keywords: the str values cannot be mistaken for connect()'s own options.
            self._conn = psycopg.connect(**cast(dict[str, Any], info))
        except psycopg.Error as exc:
            raise ConnectionFailed(redact(f"cannot connect to {self.label}: {first_line(exc)}")) from None
        self._conn.read_only = True

    def _execute(self, rendered: Rendered) -> pl.DataFrame:
        import psycopg

        try:
            with self._conn.cursor() as cur:
                cur.execute(rendered.sql, dict(rendered.params))
                if cur.description is None:
                    raise SqlError(f"{rendered.name} gave no result set on PostgreSQL ({self.label})")
                names = [d.name for d in cur.description]
                oids = [d.type_code for d in cur.description]
                rows = cur.fetchall()
            self._conn.rollback()
        except psycopg.Error as exc:
            self._conn.rollback()
            if isinstance(exc, psycopg.errors.LockNotAvailable):
                raise SourceError(self.lock_message()) from None
            raise SqlError(redact(f"{rendered.name} failed on PostgreSQL ({self.label}): {first_line(exc)}")) from None
        schema = {n: _PG_TYPES.get(o, pl.String) for n, o in zip(names, oids, strict=True)}
        data = {n: [_pg_value(r[i]) for r in rows] for i, n in enumerate(names)}
        return pl.DataFrame(data, schema=schema)

    def server_facts(self) -> ServerFacts:
        """The session's current schema and whether the server is a standby."""
        row = self.query("schema/server").row(0)
        return ServerFacts(schema=row[0] or "public", standby=bool(row[1]))

    def row_estimates(self, tables: Sequence[str]) -> dict[str, int]:
        """The planner's estimate of each table's rows: counting would scan every table once more."""
        estimates = {}
        for table in tables:
            frame = self.query("schema/row_estimate", {"table": table})
            estimates[table] = int(frame["estimate"][0] or 0) if frame.height else 0
        return estimates

    def duplicate_ids(self) -> list[tuple[str, str, int]]:
        """None: Coder's primary keys forbid them."""
        return []

    def copy_reader(self, warehouse: duckdb.DuckDBPyConnection) -> LiveReader:
        """This database attached to ``warehouse`` through DuckDB's postgres extension: the copy
        reads it in the warehouse's own statements (see `sources.live`)."""
        from aibridge_analytics.sources.live import LiveReader

        return LiveReader(warehouse, self, self._dsn, self._statement_timeout_ms)

    def lock_message(self) -> str:
        """One line naming the table(s) another session holds locked (see `lock_timeout_message`)."""
        return lock_timeout_message(self._conn, self.label)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


__all__ = [
    "Connection",
    "CopyReader",
    "DuckDBConnection",
    "PostgresConnection",
    "ServerFacts",
    "canonical",
    "lock_timeout_ms",
    "redact",
    "session_conninfo",
    "SourceError",
]
