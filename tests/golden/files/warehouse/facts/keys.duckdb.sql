INSERT INTO main.aibridge_fact_keys
SELECT
  n.key_of,
  n.value,
  b.top + ROW_NUMBER() OVER () AS key
FROM (
  SELECT DISTINCT
    'session' AS key_of,
    s.session_key AS value
  FROM temp.main._facts AS s
  WHERE
    NOT s.session_key IS NULL
  UNION
  SELECT DISTINCT
    'thread',
    CAST(s.thread_key AS TEXT)
  FROM temp.main._facts AS s
  WHERE
    NOT s.thread_key IS NULL
) AS n
CROSS JOIN (
  SELECT
    COALESCE(MAX(k.key), 0) AS top
  FROM main.aibridge_fact_keys AS k
) AS b
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
WHERE
  k.key IS NULL
