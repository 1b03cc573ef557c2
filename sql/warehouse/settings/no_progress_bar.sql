-- DuckDB draws no progress bar of its own: a terminal's stdout must stay pipeable data.
-- engine: duckdb
SET enable_progress_bar = FALSE
