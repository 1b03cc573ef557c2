-- schema/enum_labels: The labels of the source's ai_provider_type enum, in order (PostgreSQL's catalogue; no rows on a source without it).
SELECT
  CAST(e.enumlabel AS TEXT) AS label
FROM pg_catalog.pg_enum AS e
JOIN pg_catalog.pg_type AS t
  ON t.oid = e.enumtypid
WHERE
  t.typname = 'ai_provider_type'
ORDER BY
  e.enumsortorder
