"""Reading a live PostgreSQL database from DuckDB, through DuckDB's postgres extension.

The extension speaks PostgreSQL's binary COPY protocol and decodes it in C++, straight into
DuckDB vectors: measured on one million interceptions (bench/sync.py) it reads Coder's tables
faster than psycopg can merely receive a text ``COPY ... TO STDOUT``. The extension ships as an
offline wheel (``duckdb-extension-postgres-scanner``), so it is LOADed by file path; INSTALL would
need the internet.

The attached database is read-only twice over: ``READ_ONLY`` for DuckDB, and the same session
settings as :class:`..engines.PostgresConnection` (``default_transaction_read_only``, statement
timeout, UTC, application_name) for PostgreSQL. Credentials are libpq's business (URL, ``PG*``
environment, ``~/.pgpass``); the extension bundles libpq, and its errors echo the connection
string, so every message leaving this module goes through :func:`..engines.redact`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from aibridge_analytics.errors import ConnectionFailed, SourceError, first_line
from aibridge_analytics.sources.connection import redact, session_conninfo

ALIAS = "coder_pg"


def extension_path() -> Path:
    """The postgres extension file of the installed offline wheel, for this DuckDB version."""
    import duckdb_extension_postgres_scanner as wheel

    version = duckdb.__version__
    path = Path(wheel.__file__).parent / "extensions" / f"v{version}" / "postgres_scanner.duckdb_extension"
    if not path.exists():
        raise SourceError(f"the DuckDB postgres extension for DuckDB {version} is missing ({path}); reinstall the package")
    return path


class AttachedPostgres:
    """A PostgreSQL database attached read-only to a DuckDB connection under :data:`ALIAS`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, dsn: str, statement_timeout_ms: int) -> None:
        self.con = con
        self.label = redact(dsn)
        self.info = session_conninfo(dsn, statement_timeout_ms, application_name="aibridge-analytics-sync")
        conninfo = conninfo_string(self.info)
        try:
            con.execute(f"LOAD '{_literal(str(extension_path()))}'")
            con.execute(f"ATTACH '{_literal(conninfo)}' AS {ALIAS} (TYPE postgres, READ_ONLY)")
        except duckdb.Error as exc:
            raise ConnectionFailed(redact(f"cannot connect to {self.label}: {first_line(exc)}")) from None

    def query_sql(self, sql: str) -> str:
        """DuckDB SQL that runs ``sql`` (PostgreSQL syntax) on the server and reads its rows."""
        return f"SELECT * FROM postgres_query('{ALIAS}', '{_literal(sql)}')"

    def detach(self) -> None:
        """Close the extension's connections to the server."""
        try:
            self.con.execute(f"DETACH {ALIAS}")
        except duckdb.Error:
            pass


def conninfo_string(info: dict[str, str]) -> str:
    """libpq connection parameters as one keyword/value string (the form the extension takes)."""
    return " ".join(f"{k}={_quote(v)}" for k, v in info.items())


def _literal(text: str) -> str:
    """``text`` for inside a single-quoted SQL string literal."""
    return text.replace("'", "''")


def _quote(value: str) -> str:
    """A libpq key=value parameter value, quoted when it needs to be."""
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
