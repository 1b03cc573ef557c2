-- Where this connection spills: whether its database is a file opened for writing (DuckDB then
-- spills beside it, into <file>.tmp), and the temp directory set now.
-- engine: duckdb
SELECT
  d.path IS NOT NULL AND NOT d.readonly AS beside,
  current_setting('temp_directory') AS temp_directory
FROM duckdb_databases() AS d
WHERE d.database_name = current_database()
