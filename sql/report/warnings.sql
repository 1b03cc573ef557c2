-- Interceptions started in [:since, :until) per resolved provider, method and warning set
-- (comma-separated, as the attribution gives it), in-flight rows included: a report splits the
-- sets into per-warning counts. Counted per provider number (facts/provider_keys.sql) and named
-- after: grouping every row by a UUID and a name took three times as long.
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
SELECT
  CAST(p.provider_id AS VARCHAR) AS resolved_provider_id,
  p.provider_name,
  g.method,
  g.warnings,
  g.interceptions
FROM (
  SELECT
    a.provider_key,
    a.method,
    a.warnings,
    CAST(COUNT(*) AS BIGINT) AS interceptions
  FROM facts AS a
  WHERE
    (CAST(:since AS TIMESTAMPTZ) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMPTZ))
    AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST(:until AS TIMESTAMPTZ))
  GROUP BY a.provider_key, a.method, a.warnings
) AS g
LEFT JOIN provider_keys AS p
  ON p.provider_key = g.provider_key
ORDER BY p.provider_name NULLS LAST, g.method, g.warnings
