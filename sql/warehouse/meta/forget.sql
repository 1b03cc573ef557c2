-- Forget every key matching the LIKE pattern :pattern (the watermarks, when the source's schema
-- changed and every row must be read again).
-- :pattern  text  a LIKE pattern
-- engine: duckdb
DELETE FROM main.warehouse_meta
WHERE
  key LIKE CAST(:pattern AS TEXT)
