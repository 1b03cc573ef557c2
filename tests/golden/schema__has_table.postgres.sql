-- schema/has_table: Whether the connected source's current schema has the table :table (1 or 0).
SELECT
  CAST(COUNT(*) AS BIGINT) AS tables
FROM information_schema.tables AS t
WHERE
  t.table_schema = CURRENT_SCHEMA AND t.table_name = CAST(%(table)s AS TEXT)
