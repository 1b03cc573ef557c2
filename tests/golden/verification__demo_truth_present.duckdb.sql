-- verification/demo_truth_present: Whether the source is a demo warehouse holding the generator's ground truth (DuckDB's main schema).
SELECT
  CAST(COUNT(*) AS BIGINT) AS tables
FROM information_schema.tables AS t
WHERE
  t.table_schema = 'main' AND t.table_name = 'demo_ground_truth'
