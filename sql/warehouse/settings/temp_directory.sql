-- Where DuckDB spills what its memory limit does not hold.
-- :directory  text  a directory path
-- engine: duckdb
SET temp_directory = CAST(:directory AS TEXT)
