CREATE OR REPLACE TEMPORARY TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(k.key, b.top + ROW_NUMBER() OVER (PARTITION BY k.key IS NULL)) AS key,
  k.key IS NULL AS new
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
