SELECT
  k.key_of,
  k.value,
  k.key
FROM main.aibridge_fact_keys AS k
ORDER BY
  k.key_of,
  k.key
