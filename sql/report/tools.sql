-- The most used tools of the ended interceptions started in [:since, :until): calls, failed calls
-- and interceptions per tool name and kind (injected by the gateway, or defined by the client),
-- from the tool facts (a row per interception and tool: facts/tool_rows.sql).
-- :since  timestamptz?  first started_at included (NULL: no lower bound)
-- :until  timestamptz?  first started_at excluded (NULL: no upper bound)
-- :limit  int = 15      how many tools
SELECT
  t.tool,
  t.injected,
  CAST(SUM(t.calls) AS BIGINT) AS calls,
  CAST(SUM(t.errors) AS BIGINT) AS errors,
  CAST(COUNT(*) AS BIGINT) AS interceptions
FROM tool_facts AS t
WHERE
  NOT t.ended_at IS NULL
  AND (CAST(:since AS TIMESTAMPTZ) IS NULL OR t.started_at >= CAST(:since AS TIMESTAMPTZ))
  AND (CAST(:until AS TIMESTAMPTZ) IS NULL OR t.started_at < CAST(:until AS TIMESTAMPTZ))
GROUP BY t.tool, t.injected
ORDER BY SUM(t.calls) DESC, t.tool, t.injected
LIMIT CAST(:limit AS INT)
