-- Store the facts of the changed interceptions anew (a refresh, step 3, after forget_changed.sql),
-- in start order, as a full build stores them (build.sql).
-- engine: duckdb
INSERT INTO main.aibridge_facts
SELECT
  k.*
FROM stored_facts_keyed AS k
ORDER BY
  k.started_at
