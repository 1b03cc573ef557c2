-- The value the warehouse records under :key (no row if none).
-- :key  text  the key
-- engine: duckdb
SELECT
  m.value
FROM main.warehouse_meta AS m
WHERE
  m.key = CAST(:key AS TEXT)
