"""Reading a live PostgreSQL database from DuckDB, through DuckDB's postgres extension.

The extension speaks PostgreSQL's binary COPY protocol and decodes it in C++, straight into
DuckDB vectors: measured on one million interceptions (bench/sync.py) it reads Coder's tables
faster than psycopg can merely receive a text ``COPY ... TO STDOUT``. The extension ships as an
offline wheel (``duckdb-extension-postgres-scanner``), so it is loaded by file path; INSTALL would
need the internet.

The database is attached to the warehouse's own connection, so that a sync copies a table with
one ``INSERT ... SELECT`` that DuckDB runs without a trip through Python; DuckDB pushes the
statement's filters (with their bound values) down to the server. The attached database is
read-only twice over: ``READ_ONLY`` for DuckDB, and the same session settings as
:class:`.connection.PostgresConnection` (``default_transaction_read_only``, statement timeout,
UTC, application_name) for PostgreSQL. Credentials are libpq's business (URL, ``PG*``
environment, ``~/.pgpass``); the extension bundles libpq, and its errors echo the connection
string, so every message leaving this module goes through :func:`.connection.redact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from sqlglot import exp

from aibridge_analytics.errors import ConnectionFailed, SourceError, first_line
from aibridge_analytics.sources.connection import (
    CopyReader,
    PostgresConnection,
    is_lock_timeout,
    redact,
    session_conninfo,
)
from aibridge_analytics.warehouse.store import Warehouse

if TYPE_CHECKING:
    import pyarrow as pa

ALIAS = "coder_pg"


def extension_path() -> Path:
    """The postgres extension file of the installed offline wheel, for this DuckDB version."""
    import duckdb_extension_postgres_scanner as wheel

    version = duckdb.__version__
    path = Path(wheel.__file__).parent / "extensions" / f"v{version}" / "postgres_scanner.duckdb_extension"
    if not path.exists():
        raise SourceError(
            f"the DuckDB postgres extension for DuckDB {version} is missing ({path}); reinstall the package"
        )
    return path


class AttachedPostgres:
    """A PostgreSQL database attached read-only to a DuckDB connection under :data:`ALIAS`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, dsn: str, statement_timeout_ms: int) -> None:
        self.warehouse = Warehouse(con)
        self.label = redact(dsn)
        info = session_conninfo(dsn, statement_timeout_ms, application_name="aibridge-analytics-sync")
        # ATTACH takes its connection string as a literal only (no parameter): sqlglot quotes it.
        options = [
            exp.AttachOption(this=exp.var("TYPE"), expression=exp.to_identifier("postgres")),
            exp.AttachOption(this=exp.var("READ_ONLY")),
        ]
        attach = exp.Attach(
            this=exp.alias_(exp.Literal.string(conninfo_string(info)), ALIAS), exists=False, expressions=options
        )
        try:
            con.load_extension(str(extension_path()))
            self.warehouse.execute_built("attach the source", attach)
        except duckdb.Error as exc:
            raise ConnectionFailed(redact(f"cannot connect to {self.label}: {first_line(exc)}")) from None

    def detach(self) -> None:
        """Close the extension's connections to the server."""
        try:
            self.warehouse.execute_built("detach the source", exp.Detach(this=exp.var(ALIAS)))
        except duckdb.Error:
            pass


class LiveReader(CopyReader):
    """A sync's reads of a live database: attached to the warehouse's connection, its tables named in
    the session's current schema (what the DSN's search_path selects); on a standby each table is
    scanned over one connection (see ``settings/single_connection_scan``)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, source: PostgresConnection, dsn: str, statement_timeout_ms: int
    ) -> None:
        super().__init__(source.label)
        self.source = source
        facts = source.server_facts()
        self.schema, self.standby = facts.schema, facts.standby
        self.attached = AttachedPostgres(con, dsn, statement_timeout_ms)
        if self.standby:
            # DuckDB scans a table in page ranges over several connections, which share one
            # snapshot only on a primary (the extension exports none on a standby): there a row
            # updated mid-scan could be read twice or not at all.
            self.attached.warehouse.run("warehouse/settings/single_connection_scan")

    def table(self, name: str) -> exp.Table:
        """DuckDB's name for the source's table ``name``: the attached database, in the session's schema."""
        return exp.Table(
            this=exp.to_identifier(name, quoted=True),
            db=exp.to_identifier(self.schema, quoted=True),
            catalog=exp.to_identifier(ALIAS),
        )

    def _reader(self, name: str, tree: exp.Expr, params: Mapping[str, Any] | None, rows: int) -> pa.RecordBatchReader:
        # Its own cursor: the stream stays open while the warehouse connection commits. Settings
        # are per connection: the cursor scans a standby over one connection too.
        cursor = Warehouse(self.attached.warehouse.con.cursor())
        if self.standby:
            cursor.run("warehouse/settings/single_connection_scan")
        return cursor.execute_built(name, tree, params).to_arrow_reader(rows)

    def _failure(self, exc: duckdb.Error) -> str:
        """A lock another session holds is named (read from the server); anything else as usual."""
        return self.source.lock_message() if is_lock_timeout(str(exc)) else super()._failure(exc)

    def close(self) -> None:
        """Detach the database."""
        self.attached.detach()


def conninfo_string(info: dict[str, str]) -> str:
    """libpq connection parameters as one keyword/value string (the form the extension takes)."""
    return " ".join(f"{k}={_quote(v)}" for k, v in info.items())


def _quote(value: str) -> str:
    """A libpq key=value parameter value, quoted when it needs to be."""
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
