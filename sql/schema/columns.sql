-- engine: duckdb, postgres
-- The tables and columns the connected source has: the schema-version probe.
-- A PostgreSQL numeric is reported with its precision and scale (numeric(20,0)), as DuckDB
-- reports its decimals, so that the probe can tell an integral numeric from one with fractions.
SELECT
  table_name,
  column_name,
  CASE
    WHEN lower(data_type) = 'numeric' AND numeric_scale IS NOT NULL
      THEN 'numeric(' || CAST(numeric_precision AS VARCHAR) || ',' || CAST(numeric_scale AS VARCHAR) || ')'
    ELSE data_type
  END AS data_type
FROM information_schema.columns
WHERE table_schema = current_schema()
ORDER BY table_name, ordinal_position
