"""The local DuckDB warehouse: creating it, opening it, and replacing it atomically."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from aibridge_analytics.coder import PRIMARY_KEYS, TABLES, duckdb_ddl
from aibridge_analytics.errors import SourceError, first_line

DEFAULT_DEMO_PATH = Path(os.environ.get("AIBRIDGE_DEMO_DB", "demo/demo.duckdb"))
"""Where the demo warehouse lives unless ``--db``/``--source`` says otherwise."""

META_TABLE = "warehouse_meta"


def configure(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Settings every DuckDB connection of this package gets (UTC: an empty TZ breaks Polars, Etc/UTC fails pandera's UTC check)."""
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws its own progress bar on a terminal's stdout, which must stay pipeable data.
    # Inside Jupyter DuckDB refuses to touch the setting at all without ipywidgets; it draws no
    # terminal bar there, so nothing is lost by leaving it.
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    return con


def create_schema(con: duckdb.DuckDBPyConnection, keys: bool = True) -> None:
    """Create Coder's tables and the warehouse's own ``warehouse_meta`` if they do not exist.

    ``keys=False`` leaves the primary keys out, for a bulk load that adds them afterwards with
    `add_primary_keys` (one index build instead of millions of index inserts).
    """
    for table in TABLES:
        con.execute(duckdb_ddl(table, keys=keys))
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
    )


def add_primary_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Add Coder's primary keys to tables created with ``keys=False``; duplicates fail here."""
    for table, key in PRIMARY_KEYS.items():
        if key:
            con.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({', '.join(key)})")


def open_warehouse(path: Path | str, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open an existing warehouse file; a missing file is a one-line SourceError."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"warehouse {str(path)!r} does not exist (build one with `aibridge-analytics demo --db {path}`)")
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
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, path)
    except BaseException:
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
