-- What a live PostgreSQL source's session sees: its current schema (where the DSN's search_path
-- finds Coder's tables) and whether the server is a standby (in recovery).
-- engine: postgres
SELECT
  CAST(current_schema() AS VARCHAR) AS current_schema,
  pg_is_in_recovery() AS standby
