-- Store the facts of every interception (a full build), replacing what was stored: the facts
-- relation, in start order so that a range reads few row groups.
-- engine: duckdb
CREATE OR REPLACE TABLE main.aibridge_facts AS
SELECT
  f.*
FROM facts AS f
ORDER BY
  f.started_at
