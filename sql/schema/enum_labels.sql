-- engine: duckdb, postgres
-- The labels of the ai_provider_type enum in the source's current schema, in order (PostgreSQL's
-- catalogue; no rows on a source without it).
SELECT
  CAST(e.enumlabel AS VARCHAR) AS label
FROM pg_catalog.pg_enum AS e
JOIN pg_catalog.pg_type AS t
  ON t.oid = e.enumtypid
JOIN pg_catalog.pg_namespace AS n
  ON n.oid = t.typnamespace
WHERE
  t.typname = 'ai_provider_type' AND n.nspname = current_schema()
ORDER BY e.enumsortorder
