-- Number the session and thread keys of the staged facts (stage.sql) that have no number yet,
-- after the largest assigned (a build or a refresh, step 2).
-- engine: duckdb
INSERT INTO main.aibridge_fact_keys
SELECT
  n.key_of,
  n.value,
  b.top + ROW_NUMBER() OVER () AS key
FROM (
  SELECT DISTINCT 'session' AS key_of, s.session_key AS value FROM temp.main._facts AS s
  WHERE NOT s.session_key IS NULL
  UNION
  SELECT DISTINCT 'thread', CAST(s.thread_key AS VARCHAR) FROM temp.main._facts AS s
  WHERE NOT s.thread_key IS NULL
) AS n
CROSS JOIN (SELECT COALESCE(MAX(k.key), 0) AS top FROM main.aibridge_fact_keys AS k) AS b
-- Those without a number, by a join that hashes the staged values and streams the numbered ones
-- past them: a NOT EXISTS was decorrelated into a join about 15% slower.
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
WHERE
  k.key IS NULL
