-- Store the tool facts of the changed interceptions anew (a refresh, after forget_changed_tools.sql),
-- in start order, as a full build stores them (build_tools.sql).
-- engine: duckdb
INSERT INTO main.aibridge_tool_facts
SELECT
  t.*
FROM tool_facts AS t
ORDER BY
  t.started_at
