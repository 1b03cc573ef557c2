"""Sources: where interception history is read from, opened as one kind of `Connection`.

A source is Coder's live PostgreSQL database (opened read-only), a DuckDB warehouse, a directory of
Parquet files, or a JSON export. `kinds` tells which kind a source string names and opens it
(`connect`); `connection` runs catalogue queries on DuckDB or PostgreSQL with one result shape and
probes the source's schema version; `exports` reads JSON exports; `live` attaches a live database to
DuckDB for bulk reads (sync).
"""
