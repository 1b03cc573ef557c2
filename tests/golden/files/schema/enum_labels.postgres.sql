SELECT
  CAST(e.enumlabel AS TEXT) AS label
FROM pg_catalog.pg_enum AS e
JOIN pg_catalog.pg_type AS t
  ON t.oid = e.enumtypid
JOIN pg_catalog.pg_namespace AS n
  ON n.oid = t.typnamespace
WHERE
  t.typname = 'ai_provider_type' AND n.nspname = CURRENT_SCHEMA
ORDER BY
  e.enumsortorder
