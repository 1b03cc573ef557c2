-- The planner's estimate of the rows of :table (counting would scan the table once more); no row
-- for a table the session cannot see.
-- :table  text  the table name, resolved through the session's search_path
-- engine: postgres
SELECT
  CAST(GREATEST(c.reltuples, 0) AS BIGINT) AS estimate
FROM pg_catalog.pg_class AS c
WHERE
  c.oid = to_regclass(CAST(:table AS TEXT))
