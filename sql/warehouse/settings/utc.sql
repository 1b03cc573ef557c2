-- Every DuckDB connection of this package reads and writes instants in UTC (an empty TZ breaks
-- Polars; Etc/UTC fails pandera's UTC check).
-- engine: duckdb
SET TimeZone = 'UTC'
