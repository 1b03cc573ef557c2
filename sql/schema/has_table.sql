-- engine: duckdb, postgres
-- Whether the connected source's current schema has the table :table (1 or 0).
-- :table  text  the table name
SELECT
  CAST(COUNT(*) AS BIGINT) AS tables
FROM information_schema.tables AS t
WHERE
  t.table_schema = current_schema() AND t.table_name = CAST(:table AS TEXT)
