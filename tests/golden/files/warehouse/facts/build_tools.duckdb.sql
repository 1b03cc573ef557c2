CREATE OR REPLACE TABLE main.aibridge_tool_facts AS
SELECT
  t.*
FROM tool_facts AS t
ORDER BY
  t.started_at
