-- Store the facts of every interception (a full build, step 3), replacing what was stored: the
-- staged facts with their keys numbered, in start order so that a range reads few row groups.
-- engine: duckdb
CREATE OR REPLACE TABLE main.aibridge_facts AS
SELECT
  k.*
FROM stored_facts_keyed AS k
ORDER BY
  k.started_at
