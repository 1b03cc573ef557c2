-- The numbers of the staged facts' session, thread and initiator keys (stage_key_values.sql; a build or a
-- refresh, step 2): the number a key has already, or a new one (`new`). A new session or thread
-- number is the largest assigned to either plus the key's row in stage_key_values.sql (unique,
-- if not dense). Initiators are numbered on their own, densely from 1 (the largest assigned plus
-- the new initiator's place among the new ones): a distinct count of them in a group can then set
-- one bit per initiator (summaries/figures.sql) instead of hashing every row.
-- Storing the facts joins these, the keys of the facts being stored, rather than every key the
-- warehouse has numbered: that table grows with the history, and at 100 million interceptions
-- joining it twice while storing a chunk ran DuckDB out of memory.
-- engine: duckdb
CREATE OR REPLACE TEMP TABLE temp.main._keys AS
SELECT
  n.key_of,
  n.value,
  COALESCE(k.key, CASE WHEN n.key_of = 'initiator' THEN b.initiators + i.place ELSE b.top + n.rowid + 1 END) AS key,
  k.key IS NULL AS new
FROM temp.main._key_values AS n
CROSS JOIN (
  SELECT
    COALESCE(MAX(k.key) FILTER (WHERE k.key_of <> 'initiator'), 0) AS top,
    COALESCE(MAX(k.key) FILTER (WHERE k.key_of = 'initiator'), 0) AS initiators
  FROM main.aibridge_fact_keys AS k
) AS b
-- The numbered keys stream past the staged ones, which are fewer: a NOT EXISTS was decorrelated
-- into a join about 15% slower.
LEFT JOIN main.aibridge_fact_keys AS k
  ON k.key_of = n.key_of AND k.value = n.value
-- The new initiators in order (a window over thousands of ids, not over the sessions' millions).
LEFT JOIN (
  SELECT
    v.value,
    ROW_NUMBER() OVER (ORDER BY v.value) AS place
  FROM temp.main._key_values AS v
  WHERE
    v.key_of = 'initiator'
    AND NOT EXISTS(
      SELECT 1 FROM main.aibridge_fact_keys AS o WHERE o.key_of = 'initiator' AND o.value = v.value
    )
) AS i
  ON n.key_of = 'initiator' AND i.value = n.value
