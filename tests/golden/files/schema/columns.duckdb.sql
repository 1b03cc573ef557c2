SELECT
  table_name,
  column_name,
  CASE
    WHEN LOWER(data_type) = 'numeric' AND NOT numeric_scale IS NULL
    THEN 'numeric(' || CAST(numeric_precision AS TEXT) || ',' || CAST(numeric_scale AS TEXT) || ')'
    ELSE data_type
  END AS data_type
FROM information_schema."columns"
WHERE
  table_schema = CURRENT_SCHEMA()
ORDER BY
  table_name,
  ordinal_position
