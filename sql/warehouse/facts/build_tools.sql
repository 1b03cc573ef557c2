-- Store the tool facts of every interception (a full build, beside build.sql), replacing what was
-- stored, in start order so that a range reads few row groups.
-- engine: duckdb
CREATE OR REPLACE TABLE main.aibridge_tool_facts AS
SELECT
  t.*
FROM tool_facts AS t
ORDER BY
  t.started_at
