-- The progress DuckDB tracks is never printed by DuckDB itself.
-- engine: duckdb
SET enable_progress_bar_print = FALSE
