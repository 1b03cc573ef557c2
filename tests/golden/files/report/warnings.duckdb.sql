SELECT
  CAST(a.resolved_provider_id AS TEXT) AS resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM facts AS a
WHERE
  (
    CAST($since AS TIMESTAMPTZ) IS NULL
    OR a.started_at >= CAST($since AS TIMESTAMPTZ)
  )
  AND (
    CAST($until AS TIMESTAMPTZ) IS NULL OR a.started_at < CAST($until AS TIMESTAMPTZ)
  )
GROUP BY
  a.resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings
ORDER BY
  a.provider_name,
  a.method,
  a.warnings
