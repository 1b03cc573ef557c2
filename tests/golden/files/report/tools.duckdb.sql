SELECT
  t.tool,
  t.injected,
  CAST(SUM(t.calls) AS BIGINT) AS calls,
  CAST(SUM(t.errors) AS BIGINT) AS errors,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM tool_facts AS t
WHERE
  NOT t.ended_at IS NULL
  AND (
    CAST($since AS TIMESTAMPTZ) IS NULL
    OR t.started_at >= CAST($since AS TIMESTAMPTZ)
  )
  AND (
    CAST($until AS TIMESTAMPTZ) IS NULL OR t.started_at < CAST($until AS TIMESTAMPTZ)
  )
GROUP BY
  t.tool,
  t.injected
ORDER BY
  SUM(t.calls) DESC,
  t.tool,
  t.injected
LIMIT CAST($limit AS INT)
