CREATE OR REPLACE TEMPORARY TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(k.key, b.top + n.rowid + 1) AS key,
  k.key IS NULL AS new
FROM temp.main._key_values AS n
CROSS JOIN (
  SELECT
    COALESCE(MAX(k.key), 0) AS top
  FROM main.aibridge_fact_keys AS k
) AS b
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
