INSERT INTO main.aibridge_facts
SELECT
  f.*
FROM facts AS f
WHERE
  f.interception_id IN (
    SELECT
      c.interception_id
    FROM main.aibridge_facts_changed AS c
  )
