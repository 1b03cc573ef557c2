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
    CAST(:since AS TIMESTAMP) IS NULL OR t.started_at >= CAST(:since AS TIMESTAMP)
  )
  AND (
    CAST(:until AS TIMESTAMP) IS NULL OR t.started_at < CAST(:until AS TIMESTAMP)
  )
GROUP BY
  t.tool,
  t.injected
ORDER BY
  SUM(t.calls) DESC,
  t.tool NULLS LAST,
  t.injected NULLS LAST
LIMIT CAST(:limit AS INT)
