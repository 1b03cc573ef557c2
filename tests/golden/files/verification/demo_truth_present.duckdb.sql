SELECT
  CAST(COUNT(*) AS BIGINT) AS tables
FROM information_schema.tables AS t
WHERE
  t.table_schema = 'main' AND t.table_name = 'demo_ground_truth'
