SELECT
  CAST(COUNT(DISTINCT c.interception_id) AS BIGINT) AS changed
FROM main.aibridge_facts_changed AS c
