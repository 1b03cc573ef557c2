CREATE OR REPLACE TABLE main.aibridge_facts AS
SELECT
  k.*
FROM stored_facts_keyed AS k
ORDER BY
  k.started_at
