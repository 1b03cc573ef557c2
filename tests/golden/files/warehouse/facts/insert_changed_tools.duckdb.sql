INSERT INTO main.aibridge_tool_facts
SELECT
  t.*
FROM tool_facts AS t
ORDER BY
  t.started_at
