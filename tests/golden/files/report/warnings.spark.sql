SELECT
  CAST(a.resolved_provider_id AS STRING) AS resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM facts AS a
WHERE
  (
    CAST(:since AS TIMESTAMP) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMP)
  )
  AND (
    CAST(:until AS TIMESTAMP) IS NULL OR a.started_at < CAST(:until AS TIMESTAMP)
  )
GROUP BY
  a.resolved_provider_id,
  a.provider_name,
  a.method,
  a.warnings
ORDER BY
  a.provider_name NULLS LAST,
  a.method NULLS LAST,
  a.warnings NULLS LAST
