-- schema/columns: The tables and columns the connected source has: the schema-version probe.
SELECT
  table_name,
  column_name,
  data_type
FROM information_schema."columns"
WHERE
  table_schema = CURRENT_SCHEMA()
ORDER BY
  table_name,
  ordinal_position
