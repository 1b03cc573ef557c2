-- Record the numbers given to keys that had none (stage_keys.sql; a build or a refresh, step 2).
-- engine: duckdb
INSERT INTO main.aibridge_fact_keys
SELECT
  k.key_of,
  k.value,
  k.key
FROM temp.main._keys AS k
WHERE
  k.new
