-- Drop the stored facts of the changed interceptions (refresh, step 1 of 3).
-- engine: duckdb
DELETE FROM main.aibridge_facts
WHERE
  interception_id IN (
    SELECT
      c.interception_id
    FROM main.aibridge_facts_changed AS c
  )
