SELECT
  u.tool,
  u.injected,
  CAST(COUNT(*) AS BIGINT) AS calls,
  CAST(COUNT(*) FILTER(WHERE
    NOT u.invocation_error IS NULL) AS BIGINT) AS errors,
  CAST(COUNT(DISTINCT u.interception_id) AS BIGINT) AS interceptions
FROM tool_usages AS u
JOIN interceptions AS i
  ON i.id = u.interception_id
WHERE
  NOT i.ended_at IS NULL
  AND (
    CAST(:since AS TIMESTAMP) IS NULL OR i.started_at >= CAST(:since AS TIMESTAMP)
  )
  AND (
    CAST(:until AS TIMESTAMP) IS NULL OR i.started_at < CAST(:until AS TIMESTAMP)
  )
GROUP BY
  u.tool,
  u.injected
ORDER BY
  COUNT(*) DESC,
  u.tool NULLS LAST,
  u.injected NULLS LAST
LIMIT CAST(:limit AS INT)
