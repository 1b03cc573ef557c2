SELECT
  CAST(COUNT(*) AS BIGINT) AS tables
FROM information_schema.tables AS t
WHERE
  t.table_schema = CURRENT_SCHEMA AND t.table_name = CAST(%(table)s AS TEXT)
