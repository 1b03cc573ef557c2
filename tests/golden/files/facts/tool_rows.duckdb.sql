SELECT
  i.id AS interception_id,
  i.started_at,
  i.ended_at,
  u.tool,
  u.injected,
  u.calls,
  u.errors
FROM (
  SELECT
    t.interception_id,
    t.tool,
    t.injected,
    CAST(COUNT(*) AS BIGINT) AS calls,
    CAST(COUNT(*) FILTER(WHERE
      NOT t.invocation_error IS NULL) AS BIGINT) AS errors
  FROM tool_usages AS t
  GROUP BY
    t.interception_id,
    t.tool,
    t.injected
) AS u
JOIN interceptions AS i
  ON i.id = u.interception_id
