INSERT INTO temp.main._span_keys
SELECT DISTINCT
  r.key_of,
  r.key
FROM fact_span_rows AS r
WHERE
  r.interception_id IN (
    SELECT
      c.interception_id
    FROM main.aibridge_facts_changed AS c
  )
