-- DuckDB tracks each statement's progress, so that the sync can poll query_progress() while a
-- table is copied (its bar is never printed: see settings/no_progress_print).
-- engine: duckdb
SET enable_progress_bar = TRUE
