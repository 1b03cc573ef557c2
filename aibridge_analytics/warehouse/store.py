"""The local DuckDB warehouse: creating it, opening it, replacing it atomically, and running its SQL.

Every statement the warehouse runs is a catalogue file under ``sql/warehouse/`` (DuckDB-only,
``-- engine: duckdb``) or a statement built with sqlglot's builders, rendered for DuckDB with its
values bound (see `Warehouse`). Its tables are declared once: Coder's in `aibridge_analytics.coder`,
``warehouse_meta`` in ``sql/warehouse/meta/create.sql``, ``ai_providers_history`` here.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Rendered
from aibridge_analytics.coder import PRIMARY_KEYS, TABLES, Column, duckdb_ddl
from aibridge_analytics.errors import SourceError, UsageError, WarehouseError, first_line, is_interrupt

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

#: The warehouse's list of interceptions whose stored facts a sync has made stale (warehouse/facts).
FACTS_CHANGED = "aibridge_facts_changed"
#: Environment variable naming the demo warehouse's file (overrides the data directory).
DEMO_DB_ENV = "AIBRIDGE_DEMO_DB"
#: DuckDB's buffer pool on every connection of this package, where DuckDB's own default is 80% of
#: the machine's memory: what does not fit spills to disk. ``AIBRIDGE_MEMORY_LIMIT`` overrides it.
MEMORY_LIMIT = "2GB"
MEMORY_LIMIT_ENV = "AIBRIDGE_MEMORY_LIMIT"
#: The report's over stored facts (once fresh): its queries aggregate into small groups and spill what
#: does not fit, so that with its chart renderer and frames the process stays within 2 GB (at ten
#: million interceptions it ran as fast as at 2GB, at a peak RSS of 1.6-1.9 GiB instead of 1.9-2.6).
REPORT_MEMORY_LIMIT = "1GB"
#: The name of a connection's private spill directory starts so (see `configure`).
SPILL_PREFIX = "aibridge-analytics-spill-"
#: A size as DuckDB's memory limit takes it: a number and a unit.
MEMORY_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
#: Bytes per unit of `MEMORY_SIZE`, as DuckDB counts them (a GB is 1000^3 bytes, a GiB 1024^3).
_UNIT_BYTES = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNIT_BYTES |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def default_demo_path() -> Path:
    """Where the demo warehouse lives unless ``--db``/``--source`` says otherwise: one file per user,
    whatever the working directory.

    ``AIBRIDGE_DEMO_DB`` if set; else ``$XDG_DATA_HOME/aibridge-analytics/demo.duckdb``; else (no
    ``XDG_DATA_HOME``, or a relative one, which the XDG specification says to ignore)
    ``~/.local/share/aibridge-analytics/demo.duckdb``. Read at each call, so a test or a notebook
    that sets the variable later is obeyed.
    """
    override = os.environ.get(DEMO_DB_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    data = os.environ.get("XDG_DATA_HOME", "").strip()
    if data and Path(data).is_absolute():
        base = Path(data)
    else:
        try:
            base = Path.home() / ".local" / "share"
        except RuntimeError:  # no HOME and no passwd entry (a bare container)
            raise SourceError(
                f"cannot tell where the demo warehouse lives: no home directory; set {DEMO_DB_ENV} to a file"
            ) from None
    return base / "aibridge-analytics" / "demo.duckdb"


META_TABLE = "warehouse_meta"
HISTORY_TABLE = "ai_providers_history"

#: ``ai_providers_history``: every state of each provider a sync observed, with the syncs that
#: first saw it (``valid_from``) and first saw it replaced (``valid_to``), and the last that saw it.
HISTORY_COLUMNS: tuple[Column, ...] = TABLES["ai_providers"] + (
    Column("valid_from", "TIMESTAMPTZ", "timestamp with time zone", nullable=False),
    Column("valid_to", "TIMESTAMPTZ", "timestamp with time zone"),
    Column("observed_at", "TIMESTAMPTZ", "timestamp with time zone", nullable=False),
)


class Warehouse:
    """A DuckDB connection to a warehouse, running catalogue files and built statements on it.

    The caller owns the connection (and its transactions); this object renders each statement for
    DuckDB and binds its values, so that no SQL is formatted by hand.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def run(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        probe: catalogue.Probe | None = None,
        tables: Mapping[str, str] | None = None,
        relations: Mapping[str, str] | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """Run catalogue file ``name`` (values from ``params``; Coder's tables read as ``probe``
        describes them, default the newest schema, base relations from ``tables`` and relations
        from the catalogue files ``relations`` names where given: see `catalogue.render`); the
        connection holds its result."""
        return self._execute(catalogue.render(name, "duckdb", params, probe, relations, tables=tables))

    def execute_built(
        self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None = None
    ) -> duckdb.DuckDBPyConnection:
        """Run a statement built with sqlglot's builders (see `catalogue.render_statement`)."""
        return self._execute(catalogue.render_statement(name, tree, "duckdb", params))

    def value(self, name: str, params: Mapping[str, Any] | None = None, probe: catalogue.Probe | None = None) -> Any:
        """The first column of the first row of catalogue file ``name``, or None without rows."""
        return _first_value(self.run(name, params, probe))

    def built_value(self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row of a built statement (see `execute_built`), or None."""
        return _first_value(self.execute_built(name, tree, params))

    def create(self, ddl: str) -> None:
        """Run a CREATE TABLE made from the declarations in `aibridge_analytics.coder` (`duckdb_ddl`),
        parsed and rendered by sqlglot like every other statement."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(ddl, read="duckdb")
        table = tree.find(exp.Table)
        self.execute_built(f"create {table.name if table else 'table'}", tree)

    def _execute(self, rendered: Rendered) -> duckdb.DuckDBPyConnection:
        return self.con.execute(rendered.sql, dict(rendered.params) or None)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back on any error or interrupt."""
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def commit_and_begin(self) -> None:
        """Inside `transaction`: commit what is done so far and go on in a new transaction. What a
        long step drops (its temporary tables) is freed only when its transaction ends."""
        self.con.commit()
        self.con.begin()

    def rollback_and_begin(self) -> None:
        """Inside `transaction`: undo what was done since the last commit (a step that failed and is
        tried again another way) and go on in a new transaction."""
        self.con.rollback()
        self.con.begin()

    @contextmanager
    def registered(self, name: str, table: pa.Table) -> Iterator[None]:
        """``table`` readable as the view ``temp.main.<name>`` for the length of the block."""
        self.con.register(name, table)
        try:
            yield
        finally:
            self.con.unregister(name)


@contextmanager
def interrupts() -> Iterator[None]:
    """An interrupt that DuckDB reports as an error (SIGINT mid-statement) raised as KeyboardInterrupt."""
    try:
        yield
    except Exception as exc:
        if is_interrupt(exc):
            raise KeyboardInterrupt from None
        raise


@contextmanager
def writes(warehouse: Warehouse, failure: str) -> Iterator[None]:
    """Writes to a warehouse file, which the block's transactions leave whole or roll back: a DuckDB
    failure (a full disk, an I/O error) is one WarehouseError line, ``failure`` (what failed and what
    is left) followed by DuckDB's reason, and an interrupt stays an interrupt. The connection is
    closed at the end.

    What must not follow a failure is a checkpoint of the failed connection's state: DuckDB
    checkpoints on shutdown, on a disk that may still be full. The connection is then closed without
    one; the next open replays the write-ahead log, which holds exactly the committed transactions.
    """
    failed = True
    # Read before: a failed write can leave the connection refusing every query.
    _, spill = warehouse.run("warehouse/settings/spill").fetchall()[0]
    try:
        with interrupts():
            yield
        failed = False
    except duckdb.Error as exc:
        more = ""
        if isinstance(exc, duckdb.OutOfMemoryException):
            more = f" (DuckDB's memory is held to {memory_limit()}; {MEMORY_LIMIT_ENV}=8GB, for one, gives it more)"
        elif NO_SPACE in str(exc):
            # The warehouse and what DuckDB spills share a disk by default; a large build spills
            # several times the warehouse's size, so a user needs to know where it went.
            more = (
                f" (DuckDB spills what does not fit in its {memory_limit()} of memory to {spill}: free space"
                f" there, or give it more memory with {MEMORY_LIMIT_ENV}=8GB, for one, so that less spills)"
            )
        raise WarehouseError(f"{failure}: {first_line(exc)}{more}") from None
    finally:
        try:
            if failed:
                warehouse.run("warehouse/settings/no_checkpoint_on_shutdown")
            warehouse.con.close()
        except duckdb.Error:
            pass  # an invalidated database (a failed checkpoint) refuses even this; its log is intact


#: How the operating system's "disk full" (ENOSPC) reads in DuckDB's errors.
NO_SPACE = "No space left on device"


def memory_limit(default: str = MEMORY_LIMIT) -> str:
    """DuckDB's memory limit for this process: ``AIBRIDGE_MEMORY_LIMIT`` if set, else ``default``.

    A value that is not a size (``4GB``, ``512MB``) is a one-line UsageError."""
    limit = os.environ.get(MEMORY_LIMIT_ENV) or default
    if not MEMORY_SIZE.match(limit):
        raise UsageError(f"{MEMORY_LIMIT_ENV} must be a size such as 2GB or 512MB, got {limit!r}")
    return limit


def memory_bytes(limit: str | None = None) -> int:
    """The bytes of ``limit`` (default: `memory_limit`), a size `MEMORY_SIZE` matches."""
    limit = memory_limit() if limit is None else limit
    found = MEMORY_SIZE.match(limit)
    if found is None:
        raise UsageError(f"not a size such as 2GB or 512MB: {limit!r}")
    return int(float(found.group(1)) * _UNIT_BYTES[found.group(2).lower()])


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Settings every DuckDB connection of this package gets: UTC, no progress bar of DuckDB's own,
    and memory held to `memory_limit`.

    What does not fit spills beside a database file opened for writing (DuckDB's own
    ``<file>.tmp``); on any other connection (a read-only warehouse, a Parquet directory, an export,
    a live source) into a directory of its own in the system's temporary directory, made only if
    needed and removed at close, never into the working directory. Configuring twice is harmless.
    """
    warehouse = Warehouse(con)
    warehouse.run("warehouse/settings/utc")
    # Inside Jupyter DuckDB refuses to touch the progress bar at all without ipywidgets; it draws
    # no terminal bar there, so nothing is lost by leaving it.
    try:
        warehouse.run("warehouse/settings/no_progress_bar")
    except duckdb.Error:
        pass
    warehouse.run("warehouse/settings/memory_limit", {"limit": memory_limit()})
    beside, spill = warehouse.run("warehouse/settings/spill").fetchall()[0]
    if not beside and SPILL_PREFIX not in spill:
        private = Path(tempfile.gettempdir()) / f"{SPILL_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        warehouse.run("warehouse/settings/temp_directory", {"directory": str(private)})
    return con


def create_schema(con: duckdb.DuckDBPyConnection, keys: bool = True) -> None:
    """Create Coder's tables and the warehouse's own ``warehouse_meta`` if they do not exist.

    ``keys=False`` leaves the primary keys out, for a bulk load that adds them afterwards with
    `add_primary_keys` (one index build instead of millions of index inserts).
    """
    warehouse = Warehouse(con)
    for table in TABLES:
        warehouse.create(duckdb_ddl(table, keys=keys))
    warehouse.run("warehouse/meta/create")


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Add to Coder's tables in the warehouse the columns declared since it was made (a warehouse an
    older version of this package synced lacks them): NULL for the rows already there, as for a
    source that lacks them. Returns ``table.column`` for each column added."""
    from sqlglot import exp

    warehouse = Warehouse(con)
    present: dict[str, set[str]] = {}
    for table, column, _ in warehouse.run("schema/columns").fetchall():
        present.setdefault(table, set()).add(column)
    added = []
    for table, columns in TABLES.items():
        if table not in present:
            continue
        for column in columns:
            if column.name in present[table]:
                continue
            definition = exp.ColumnDef(
                this=exp.to_identifier(column.name), kind=exp.DataType.build(column.duckdb, dialect="duckdb")
            )
            tree = exp.Alter(this=exp.to_table(table), kind="TABLE", actions=[definition])
            warehouse.execute_built(f"add {table}.{column.name}", tree)
            added.append(f"{table}.{column.name}")
    return added


def create_history(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``ai_providers_history`` (see `HISTORY_COLUMNS`) if it does not exist."""
    Warehouse(con).create(duckdb_ddl(HISTORY_TABLE, HISTORY_COLUMNS))


def add_primary_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Add Coder's primary keys to tables created with ``keys=False``; duplicates fail here."""
    from sqlglot import exp

    warehouse = Warehouse(con)
    for table, key in PRIMARY_KEYS.items():
        if key:
            action = exp.AddConstraint(expressions=[exp.PrimaryKey(expressions=[exp.to_identifier(c) for c in key])])
            tree = exp.Alter(this=exp.to_table(table), kind="TABLE", actions=[action])
            warehouse.execute_built(f"primary key of {table}", tree)


def open_warehouse(path: Path | str, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open an existing warehouse file; a missing file is a one-line SourceError."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"warehouse {str(path)!r} does not exist (build one with the demo or sync)").with_cli_hint(
            f"`aibridge-analytics demo --db {path}` builds the demo there"
        )
    try:
        return configure(duckdb.connect(str(path), read_only=read_only))
    except duckdb.Error as exc:
        first = first_line(exc)
        raise SourceError(f"cannot open warehouse {str(path)!r}: {first}") from exc


@contextmanager
def replacing(path: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Build a new warehouse beside ``path`` and move it into place only when complete.

    A run killed half-way leaves the previous file (or no file) untouched, never a partial one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = None
    try:
        # Opening may fail already (a full disk) after creating the file: inside the cleanup.
        con = configure(duckdb.connect(str(tmp)))
        yield con
        con.checkpoint()
        con.close()
        os.replace(tmp, path)
    except BaseException:
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise


def _first_value(cursor: duckdb.DuckDBPyConnection) -> Any:
    row = cursor.fetchone()
    return row[0] if row else None
