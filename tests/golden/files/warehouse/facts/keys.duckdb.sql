INSERT INTO main.aibridge_fact_keys
SELECT
  k.key_of,
  k.value,
  k.key
FROM temp.main._keys AS k
WHERE
  k.new
