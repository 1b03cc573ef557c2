SELECT
  DATE_TRUNC('DAY', i.started_at) AS day,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM interceptions AS i
GROUP BY
  DATE_TRUNC('DAY', i.started_at)
ORDER BY
  day NULLS FIRST
