SELECT
  NOT d.path IS NULL AND NOT d.readonly AS beside,
  CURRENT_SETTING('temp_directory') AS temp_directory
FROM DUCKDB_DATABASES() AS d
WHERE
  d.database_name = CURRENT_DATABASE()
