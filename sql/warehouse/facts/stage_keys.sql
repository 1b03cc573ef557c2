-- The numbers of the staged facts' session, thread and initiator keys (stage_key_values.sql; a build or a
-- refresh, step 2): the number a key has already, or a new one after the largest assigned
-- (`new`): the largest plus the key's row in stage_key_values.sql, unique, if not dense.
-- Storing the facts joins these, the keys of the facts being stored, rather than every key the
-- warehouse has numbered: that table grows with the history, and at 100 million interceptions
-- joining it twice while storing a chunk ran DuckDB out of memory.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(k.key, b.top + n.rowid + 1) AS key,
  k.key IS NULL AS new
FROM temp.main._key_values AS n
CROSS JOIN (SELECT COALESCE(MAX(k.key), 0) AS top FROM main.aibridge_fact_keys AS k) AS b
-- The numbered keys stream past the staged ones, which are fewer: a NOT EXISTS was decorrelated
-- into a join about 15% slower.
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
