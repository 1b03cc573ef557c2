-- Drop the stored tool facts of the changed interceptions (a refresh, before insert_changed_tools.sql).
-- engine: duckdb
DELETE FROM main.aibridge_tool_facts
WHERE
  interception_id IN (
    SELECT
      c.interception_id
    FROM main.aibridge_facts_changed AS c
  )
