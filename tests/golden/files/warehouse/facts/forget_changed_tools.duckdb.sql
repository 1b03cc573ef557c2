DELETE FROM main.aibridge_tool_facts
WHERE
  interception_id IN (
    SELECT
      c.interception_id
    FROM main.aibridge_facts_changed AS c
  )
