-- Bound DuckDB's buffer pool (the scale generator, the facts build): what does not fit spills to the
-- temp directory.
-- :limit  text  a DuckDB memory size, such as 1GB
-- engine: duckdb
SET memory_limit = CAST(:limit AS TEXT)
