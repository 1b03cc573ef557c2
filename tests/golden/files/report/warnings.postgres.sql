SELECT
  CAST(a.resolved_provider_id AS TEXT) AS resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM facts AS a
WHERE
  (
    CAST(%(since)s AS TIMESTAMPTZ) IS NULL
    OR a.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(until)s AS TIMESTAMPTZ) IS NULL
    OR a.started_at < CAST(%(until)s AS TIMESTAMPTZ)
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
