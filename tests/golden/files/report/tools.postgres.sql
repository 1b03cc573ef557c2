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
    CAST(%(since)s AS TIMESTAMPTZ) IS NULL
    OR t.started_at >= CAST(%(since)s AS TIMESTAMPTZ)
  )
  AND (
    CAST(%(until)s AS TIMESTAMPTZ) IS NULL
    OR t.started_at < CAST(%(until)s AS TIMESTAMPTZ)
  )
GROUP BY
  t.tool,
  t.injected
ORDER BY
  SUM(t.calls) DESC NULLS LAST,
  t.tool,
  t.injected
LIMIT CAST(%(limit)s AS INT)
