-- The numbers of the staged facts' session and thread keys (stage.sql; a build or a refresh,
-- step 2): the number a key has already, or a new one after the largest assigned (`new`).
-- Storing the facts joins these, the keys of the facts being stored, rather than every key the
-- warehouse has numbered: that table grows with the history, and at 100 million interceptions
-- joining it twice while storing a chunk ran DuckDB out of memory.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(k.key, b.top + ROW_NUMBER() OVER (PARTITION BY k.key IS NULL)) AS key,
  k.key IS NULL AS new
FROM (
  SELECT DISTINCT 'session' AS key_of, s.session_key AS value FROM temp.main._facts AS s
  WHERE NOT s.session_key IS NULL
  UNION
  SELECT DISTINCT 'thread', CAST(s.thread_key AS VARCHAR) FROM temp.main._facts AS s
  WHERE NOT s.thread_key IS NULL
) AS n
CROSS JOIN (SELECT COALESCE(MAX(k.key), 0) AS top FROM main.aibridge_fact_keys AS k) AS b
-- The numbered keys stream past the staged ones, which are fewer: a NOT EXISTS was decorrelated
-- into a join about 15% slower.
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
