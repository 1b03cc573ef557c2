CREATE OR REPLACE TEMPORARY TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(
    k.key,
    CASE
      WHEN n.key_of = 'initiator'
      THEN b.initiators + i.place
      ELSE b.top + n.rowid + 1
    END
  ) AS key,
  k.key IS NULL AS new
FROM temp.main._key_values AS n
CROSS JOIN (
  SELECT
    COALESCE(MAX(k.key) FILTER(WHERE
      k.key_of <> 'initiator'), 0) AS top,
    COALESCE(MAX(k.key) FILTER(WHERE
      k.key_of = 'initiator'), 0) AS initiators
  FROM main.aibridge_fact_keys AS k
) AS b
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
LEFT JOIN (
  SELECT
    v.value,
    ROW_NUMBER() OVER (ORDER BY v.value) AS place
  FROM temp.main._key_values AS v
  WHERE
    v.key_of = 'initiator'
    AND NOT EXISTS(
      SELECT
        1
      FROM main.aibridge_fact_keys AS o
      WHERE
        o.key_of = 'initiator' AND o.value = v.value
    )
) AS i
  ON n.key_of = 'initiator' AND i.value = n.value
