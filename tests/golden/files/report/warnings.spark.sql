SELECT
  CAST(p.provider_id AS STRING) AS resolved_provider_id,
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
    (
      CAST(:since AS TIMESTAMP) IS NULL OR a.started_at >= CAST(:since AS TIMESTAMP)
    )
    AND (
      CAST(:until AS TIMESTAMP) IS NULL OR a.started_at < CAST(:until AS TIMESTAMP)
    )
  GROUP BY
    a.provider_key,
    a.method,
    a.warnings
) AS g
LEFT JOIN provider_keys AS p
  ON p.provider_key = g.provider_key
ORDER BY
  p.provider_name NULLS LAST,
  g.method NULLS LAST,
  g.warnings NULLS LAST
