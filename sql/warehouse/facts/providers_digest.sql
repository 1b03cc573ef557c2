-- A digest of the providers the attribution reads: when it changes, every row's attribution may
-- change, and the stored facts are rebuilt.
-- engine: duckdb
SELECT
  CAST(COUNT(*) AS BIGINT) || ':' || MD5(COALESCE(STRING_AGG(
    CONCAT_WS(
      '|',
      CAST(p.id AS VARCHAR),
      COALESCE(CAST(p.type AS VARCHAR), '-'),
      p.name,
      CAST(p.enabled AS VARCHAR),
      CAST(p.deleted AS VARCHAR),
      CAST(p.created_at AS VARCHAR),
      CAST(p.updated_at AS VARCHAR)
    ),
    ',' ORDER BY p.id
  ), '')) AS digest
FROM providers AS p
