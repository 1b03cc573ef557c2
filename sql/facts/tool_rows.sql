-- The tool facts: one row per interception and tool (its name, and whether the gateway injected
-- it or the client defined it) with the calls and failed calls the interception made of it, and
-- the interception's start and end, so that a figure per tool (report/tools.sql) adds up a row per
-- interception and tool instead of joining every tool call to its interception. A source whose
-- interception ids repeat has a row per interception row, as the facts do (facts/rows.sql).
-- Read inline on any source; a warehouse stores it (sql/warehouse/facts/build_tools.sql).
-- relation: tool_facts
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
    CAST(COUNT(*) FILTER (WHERE NOT t.invocation_error IS NULL) AS BIGINT) AS errors
  FROM tool_usages AS t
  GROUP BY t.interception_id, t.tool, t.injected
) AS u
JOIN interceptions AS i
  ON i.id = u.interception_id
