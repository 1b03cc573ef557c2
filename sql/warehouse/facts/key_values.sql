-- What each number of a session or thread key in the stored facts stands for (keys.sql).
-- engine: duckdb
SELECT
  k.key_of,
  k.value,
  k.key
FROM main.aibridge_fact_keys AS k
ORDER BY
  k.key_of,
  k.key
