-- Interceptions started in [:since, :until) per resolved provider, method and warning set
-- (comma-separated, as the attribution gives it), in-flight rows included: a report splits the
-- sets into per-warning counts.
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
SELECT
  CAST(a.resolved_provider_id AS VARCHAR) AS resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM facts AS a
WHERE
  (CAST(:since AS TIMESTAMPTZ) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST(:until AS TIMESTAMPTZ))
GROUP BY a.resolved_provider_id, a.provider_name, a.method, a.warnings
ORDER BY a.provider_name NULLS LAST, a.method, a.warnings
