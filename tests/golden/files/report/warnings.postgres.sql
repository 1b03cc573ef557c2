SELECT
  CAST(p.provider_id AS TEXT) AS resolved_provider_id,
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
      CAST(%(since)s AS TIMESTAMPTZ) IS NULL
      OR a.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
    )
    AND (
      CAST(%(until)s AS TIMESTAMPTZ) IS NULL
      OR a.started_at < CAST(%(until)s AS TIMESTAMPTZ)
    )
  GROUP BY
    a.provider_key,
    a.method,
    a.warnings
) AS g
LEFT JOIN provider_keys AS p
  ON p.provider_key = g.provider_key
ORDER BY
  p.provider_name,
  g.method,
  g.warnings
